"""The portal's Whoosh index format: Whoosh's codec with blocks pickled anew, positions packed.

Why: W3Codec pickles each block of postings (docnum deltas, weights, and every posting's encoded
positions as a bytes object) with pickle protocol 2, which has no opcode for bytes: each value is
written as a call to `_codecs.encode(text, "latin1")`, and unpickling makes that call once per
posting. A block of 128 postings took ~350 µs to unpickle that way and ~20 µs with protocol 4, for
the same tuple; a unit name at 100,000 documents reads ~270,000 postings. The data in each block
are the same, so Whoosh's own matchers (which unpickle whatever protocol they find) read these
segments unchanged, and so does `matches.py`.

The codec is stored (pickled by its name, `portal.search.codec.PortalCodec`) in the index's table
of contents with each segment it wrote, so the name must not change. Segments written before it
existed are Whoosh's W3Codec: still read correctly, only slower; `index.py` reports such an index
as to be rebuilt. Nothing here runs at import beyond defining the classes.
"""

import sys
import zlib
from array import array

# Pickling (as Whoosh does) the portal's own index files, never data from a request.
from pickle import dumps  # nosec B403

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3PostingsWriter
from whoosh.formats import Positions
from whoosh.util.numeric import length_to_byte

# Protocol 4 (Python 3.4+) writes bytes with a short opcode, read without calling any function.
PICKLE_PROTOCOL = 4
# Whoosh's own block size and zlib level: decompressing is ~40 % of reading a phrase's blocks, but
# uncompressed blocks are 4× larger; larger blocks would save only the per-block overhead (bench/README.md).
BLOCK_LIMIT = 128
COMPRESSION = 3


class PortalCodec(W3Codec):
    """W3Codec whose postings writer pickles blocks with protocol 4 (see the module docstring)."""

    def __init__(self, blocklimit=BLOCK_LIMIT, compression=COMPRESSION, inlinelimit=1):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def postings_writer(self, dbfile, byteids=False):
        """Whoosh's postings writer, pickling in protocol 4."""
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )


class _PostingsWriter(W3PostingsWriter):
    """W3PostingsWriter._write_block with the protocol changed; the layout on disk is Whoosh's."""

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = (self._mini_ids(), self._mini_weights(), self._mini_values())
        databytes = dumps(data, PICKLE_PROTOCOL)
        compression = self._compression
        if compression:
            databytes = zlib.compress(databytes, compression)
        ids = self._ids
        # The block's info as W3LeafMatcher reads it: count, last id, maximum weight, compression
        # level, shortest and longest field length (as length bytes).
        infobytes = dumps(
            (
                len(ids),
                ids[-1],
                self._maxweight,
                compression,
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
            ),
            PICKLE_PROTOCOL,
        )
        blocklength = len(infobytes) + len(databytes)
        # A negative length marks the last block of the list.
        self._postfile.write_int(-blocklength if last else blocklength)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


# Unsigned 32-bit integers, little-endian on disk whatever the machine.
POSITION = "I" if array("I").itemsize == 4 else "L"
POSITION_SIZE = 4
_SWAP = sys.byteorder != "little"


class PackedPositions(Positions):
    """Whoosh's Positions format, each posting's positions stored as packed 32-bit integers.

    Why: Whoosh's Positions value is a count and a pickled list of deltas, which a phrase check
    must unpickle into one list per document. Packed, the values of many documents join into one
    bytes object that `array` turns into integers in C (`matches.py`), and they are smaller (4
    bytes for one position, against 13). Whoosh's own queries read them through `decode_positions`.
    Pickled by name (`portal.search.codec.PackedPositions`) in the index's schema: the name stays.
    """

    def encode(self, poslist):
        """The positions (ascending) as packed little-endian 32-bit integers."""
        packed = array(POSITION, poslist)
        if _SWAP:
            packed.byteswap()
        return packed.tobytes()

    def decode_positions(self, valuestring):
        """The list of positions of one posting."""
        return list(unpack_positions(valuestring))

    def decode_frequency(self, valuestring):
        """How many times the term occurs in the document."""
        return len(valuestring) // POSITION_SIZE


def unpack_positions(packed):
    """An array of the positions in `packed` (one value, or several values joined)."""
    positions = array(POSITION)
    positions.frombytes(packed)
    if _SWAP:
        positions.byteswap()
    return positions
