"""The Chinese catalogue covers every interface string, and the compiled .mo matches the .po."""

import fnmatch
import os
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
BABEL_CFG = ROOT / "babel.cfg"
LC_MESSAGES = ROOT / "portal" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "messages.po"
MO_FILE = LC_MESSAGES / "messages.mo"
# The same options as `pybabel extract` in `make translations`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
IGNORE_DIRS = (".*", "__pycache__")
PLACEHOLDER = re.compile(r"%\((\w+)\)")
FIX = "Run `make translations` and translate the new entries in " + str(PO_FILE.relative_to(ROOT))


def keep_directory(path):
    """Like `pybabel extract --ignore-dirs`: unlike Babel's default, walk into _macros and _partials."""
    name = os.path.basename(path)
    return not any(fnmatch.fnmatch(name, pattern) for pattern in IGNORE_DIRS)


def key(message):
    """A message's identity in a catalogue: its context and its msgid."""
    return (message.context, texts(message.id))


def texts(value):
    """A msgid or msgstr as a tuple, whether or not it has plural forms."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def label(message):
    """The msgid to show in a failure message, with its context if it has one."""
    msgid = texts(message.id)[0]
    return f"{message.context}|{msgid}" if message.context else msgid


def read_catalog(path, reader):
    """Read a .po/.pot (read_po) or .mo (read_mo) file."""
    with open(path, "rb") as fileobj:
        return reader(fileobj)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A .pot extracted now from portal/ and templates/ with babel.cfg."""
    with open(BABEL_CFG, encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, str(BABEL_CFG))
    catalog = Catalog(project="portal")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=keep_directory
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    with open(pot, "wb") as fileobj:
        write_po(fileobj, catalog)
    return read_catalog(pot, read_po)


@pytest.fixture(scope="module")
def po():
    """The Chinese catalogue as translators edit it."""
    return read_catalog(PO_FILE, read_po)


def entries(catalog):
    """The catalogue's messages without the header entry."""
    return [message for message in catalog if message.id]


def test_extraction_reads_python_and_templates(template):
    """babel.cfg extracts strings from portal/**.py and templates/**.html, including templates/_macros."""
    files = {filename for message in entries(template) for filename, _line in message.locations}
    assert any(name.startswith("portal/") for name in files), "no string extracted from portal/"
    assert any(name.startswith("templates/") for name in files), (
        "no string extracted from templates/"
    )
    assert any(name.startswith("templates/_") for name in files), "templates/_macros was skipped"


def test_every_message_is_translated(template, po):
    """Every msgid in the sources has a non-empty, non-fuzzy zh_Hans_CN translation."""
    translated = {key(m) for m in entries(po) if not m.fuzzy and all(texts(m.string))}
    missing = sorted({label(m) for m in entries(template) if key(m) not in translated})
    assert not missing, (
        f"{len(missing)} msgid(s) without a Chinese translation. {FIX}:\n"
        + "\n".join(f"  {msgid!r}" for msgid in missing)
    )


def test_catalogue_header_is_not_fuzzy(po):
    """The .po header carries no fuzzy flag, so the catalogue is used as a whole."""
    assert not po.fuzzy, (
        f"Remove the `#, fuzzy` flag from the header of {PO_FILE.relative_to(ROOT)}."
    )


def test_compiled_catalogue_matches_po(po):
    """The committed .mo holds exactly the .po's translations, so a stale .mo is caught."""
    expected = {
        key(m): texts(m.string) for m in entries(po) if not m.fuzzy and all(texts(m.string))
    }
    compiled = {key(m): texts(m.string) for m in entries(read_catalog(MO_FILE, read_mo))}
    stale = sorted(str(msgid) for _context, msgid in expected.keys() ^ compiled.keys())
    changed = sorted(
        str(k[1]) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k]
    )
    assert not stale and not changed, (
        f"{MO_FILE.relative_to(ROOT)} is out of date (run `make translations`); "
        f"msgids only in one of .po/.mo: {stale}; msgids translated differently: {changed}"
    )


def test_placeholders_are_kept(po):
    """Every translation uses exactly the %(name)s placeholders of its msgid."""
    wrong = []
    for message in entries(po):
        wanted = {name for msgid in texts(message.id) for name in PLACEHOLDER.findall(msgid)}
        for msgstr in texts(message.string):
            if msgstr and set(PLACEHOLDER.findall(msgstr)) != wanted:
                wrong.append(f"  {label(message)!r} -> {msgstr!r}")
    assert not wrong, (
        "Translations whose %(name)s placeholders differ from the msgid:\n" + "\n".join(wrong)
    )
