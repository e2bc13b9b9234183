"""Text normalisation and the CJK bigram tokenizer, shared by documents, queries and snippets.

Engine-neutral: no whoosh here. `portal.search.engine` wraps `tokens` for Whoosh.

Why bigrams: Chinese has no spaces, and a dictionary segmenter (jieba) splits 污水处理厂 so that
污水处理 is never found. Overlapping bigrams with phrase queries find every substring of two
characters or more exactly (measurements in shared/NOTES.md).
"""

import functools
import re
import unicodedata
from dataclasses import dataclass

# Han (with extensions and compatibility ideographs), 〇, kana and hangul: scripts written without
# spaces, indexed as overlapping bigrams.
_CJK = (
    "\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
)
# A Latin/digit (or other alphabetic script) word; a dot joins digits so PM2.5 and 0.58 stay whole.
_TOKEN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+(?:(?<=\d)\.\d+)*)")
_CJK_CHAR = re.compile(rf"[{_CJK}]")


@dataclass(frozen=True)
class Token:
    """One indexed unit: its text, its position, and its span in the normalised text."""

    text: str
    position: int
    start: int
    end: int
    cjk: bool
    run_start: bool = False
    run_end: bool = False


@functools.cache
def _converter():
    # Built on first use, once per process: never at import (the web workers import this module
    # long before anyone searches in traditional script).
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text):
    """Traditional → simplified characters (opencc t2s); text without Han characters is returned as is."""
    if not _CJK_CHAR.search(text):
        return text
    converted = _converter().convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase rule changed the length: convert character by character instead, so that offsets
    # into the normalised text still map one-to-one onto the text's characters.
    converter = _converter()
    return "".join(c if len(s := converter.convert(c)) != 1 else s for c in text)


def normalise(text):
    """NFKC (full-width → half-width), traditional → simplified: applied to documents and queries alike."""
    return to_simplified(unicodedata.normalize("NFKC", text))


def normalise_with_offsets(text):
    """(normalised text, offsets): offsets[i] is the index in `text` of normalised character i.

    NFKC is applied character by character so each normalised character can be traced back to
    the character it came from (snippets highlight the original text).
    """
    if unicodedata.is_normalized("NFKC", text):
        # Each character of NFKC text is its own NFKC form: the offsets are the identity.
        return to_simplified(text), list(range(len(text)))
    pieces, offsets = [], []
    for index, char in enumerate(text):
        folded = unicodedata.normalize("NFKC", char) if not char.isascii() else char
        pieces.append(folded)
        offsets.extend([index] * len(folded))
    return to_simplified("".join(pieces)), offsets


def scan(text):
    """Yield (token text, start, end, is_cjk, starts a run, ends a run) over already normalised text.

    CJK runs → overlapping bigrams (a lone character → itself); other words lower-cased;
    punctuation and spaces skipped. The n-th tuple has position n.
    """
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        if match.lastgroup == "word":
            yield match.group().lower(), start, end, False, True, True
        elif end - start == 1:
            yield text[start], start, end, True, True, True
        else:
            last = end - 2
            for i in range(start, end - 1):
                yield text[i : i + 2], i, i + 2, True, i == start, i == last


def tokens(text, normalised=False):
    """The tokens of `text` with consecutive positions (normalising it first unless told it is)."""
    if not normalised:
        text = normalise(text)
    return [
        Token(t, position, s, e, c, rs, re_)
        for position, (t, s, e, c, rs, re_) in enumerate(scan(text))
    ]


def token_texts(text):
    """Just the token strings of `text`, in order."""
    return [t[0] for t in scan(normalise(text))]
