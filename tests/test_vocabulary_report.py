"""One word per concept: a pollution report (举报) is a "report" in code, URLs, templates and the interface.

The portal used to call it a "case" in places (a feed at /feeds/cases.atom, `audit.case_references`,
dashboard fields, "Case outcomes"). These tests fail when "case" comes back as a name for a report in
portal/ or templates/: in Python names, in the strings that name endpoints, paths, templates and
settings, in template expressions and HTML ids and classes, in the English interface strings (the msgids,
extracted from the sources as `make translations` does) and, for the Chinese catalogue, 案件 where the
site says 举报.

What stays, on purpose, is in the allow lists below: the public contract names that clients depend on
(they are also listed in docs/architecture.md, "Glossary"), the old names kept only to send their users
on, and words that are not about reports at all (`lowercase`, SQL's CASE, letter case in prose).
"""

import io
import re
import tokenize
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.test_translations import BABEL_CFG, KEYWORDS, PO_FILE, keep_directory, texts

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
TEMPLATES = ROOT / "templates"

# A name part that is the word: `case`, `cases`, `new_case`, `cases_atom`, `MIN_CASES`, `CaseFilters`, `closedCase`;
# not `lowercase`, `casefold`, `IGNORECASE`, `showcase`.
PART = re.compile(
    r"(?:^|(?<=[_./\-\s#]))(?i:cases?)(?=$|[_./\-\s])|(?:^|(?<=[a-z0-9]))Cases?(?=$|[A-Z0-9_])"
)
# Public contract names: what clients of the open data read, so they keep the old word (file, exact string).
PUBLIC_CONTRACTS = {
    # The search document kind of a report: the API's `kind`, search pages' and saved feeds' `kind=`.
    ("portal/search/documents.py", "case"),
    # The CSV heading of /dashboard/measures.csv.
    ("portal/services/dashboard.py", "cases"),
}
# Old names kept only to lead their users to the new ones (file, exact string).
MOVED = {
    ("portal/redirects.py", "/feeds/cases.atom"),  # answers 301 with /feeds/reports.atom
    ("portal/admin/audit.py", "case"),  # /admin/audit?case= answers 301 with ?report=
    (
        "portal/config.py",
        "PORTAL_DASHBOARD_MIN_CASES",
    ),  # read when PORTAL_DASHBOARD_MIN_REPORTS is unset
}
# Names another change owned: `Unit.handles_cases`, renamed handles_reports (tests/test_vocabulary.py).
OTHER_NAMES = {"handles_cases"}
# English words in the interface where "case" is not a report: letter case.
NOT_A_REPORT = re.compile(r"lower-case|upper-case", re.I)


def python_files():
    """Every module under portal/."""
    return sorted(PORTAL.rglob("*.py"))


def relative(path):
    """`path` relative to the project, with forward slashes, as the allow lists name it."""
    return path.relative_to(ROOT).as_posix()


def python_tokens(path):
    """The tokens of one module."""
    return list(tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline))


def sql_case(tokens, index):
    """True when tokens[index] is SQLAlchemy's CASE expression (`sa.case(…)`), not a name of ours."""
    return index >= 2 and tokens[index - 1].string == "." and tokens[index - 2].string == "sa"


def test_python_names_say_report():
    """No module, function, variable, attribute, argument or keyword in portal/ is called case/cases."""
    found = [f"{relative(path)}: {path.stem}" for path in python_files() if PART.search(path.stem)]
    for path in python_files():
        tokens = python_tokens(path)
        for index, token in enumerate(tokens):
            if (
                token.type != tokenize.NAME
                or token.string in OTHER_NAMES
                or sql_case(tokens, index)
            ):
                continue
            if PART.search(token.string):
                found.append(f"{relative(path)}:{token.start[0]}: {token.string}")
    assert not found, "say report, not case:\n" + "\n".join(found)


def code_strings(path):
    """(line, value) of each plain string literal in a module (docstrings and f-string pieces included)."""
    for token in python_tokens(path):
        if token.type == tokenize.STRING:
            body = re.sub(r"^[rbuRBUfF]*", "", token.string)
            quote = body[:3] if body[:3] in ('"""', "'''") else body[0]
            yield token.start[0], body[len(quote) : -len(quote)]


def test_endpoints_paths_templates_and_settings_say_report():
    """No string in portal/ names an endpoint, URL, template, setting or key with case: `feeds.cases_atom`,
    `/cases.atom`, `reports/new_case`, `DASHBOARD_MIN_CASES`, "case" — beyond the contracts and moved names."""
    allowed = PUBLIC_CONTRACTS | MOVED
    found = []
    for path in python_files():
        for line, value in code_strings(path):
            # Identifier-like strings only: prose is checked as interface text (msgids) below.
            if " " in value.strip() or not PART.search(value):
                continue
            if (relative(path), value) not in allowed:
                found.append(f"{relative(path)}:{line}: {value!r}")
    assert not found, (
        "say report, not case (or list a public contract name here and in the glossary):\n"
        + "\n".join(found)
    )


JINJA_BLOCK = re.compile(r"{{.*?}}|{%.*?%}", re.S)
JINJA_STRING = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'", re.S)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ATTRIBUTE = re.compile(r"\b(?:id|class|name|for|href|aria-controls|aria-describedby)=\"([^\"]*)\"")


def test_templates_say_report():
    """No template variable, attribute, macro or file, and no HTML id, class, field name or link in templates/
    says case (`record.case_total`, `id="measure-cases"`, `name="case"`, `email/reports/new_case.txt`)."""
    found = []
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_dir():
            continue
        if PART.search(path.stem):
            found.append(f"{relative(path)}: file name")
        text = path.read_text(encoding="utf-8")
        for block in JINJA_BLOCK.finditer(text):
            line = text.count("\n", 0, block.start()) + 1
            code = JINJA_STRING.sub('""', block.group(0))
            found += [
                f"{relative(path)}:{line}: {name}"
                for name in NAME.findall(code)
                if PART.search(name) and name not in OTHER_NAMES
            ]
        for attribute in ATTRIBUTE.finditer(JINJA_BLOCK.sub("", text)):
            if PART.search(attribute.group(1)):
                found.append(f"{relative(path)}: {attribute.group(0)}")
    assert not found, "say report, not case:\n" + "\n".join(found)


def interface_strings():
    """Every English msgid in portal/ and templates/, extracted as `make translations` does."""
    with open(BABEL_CFG, encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, str(BABEL_CFG))
    catalog = Catalog(project="portal")
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=keep_directory
    ):
        catalog.add(message, None, [(filename, lineno)], context=context)
    return [m for m in catalog if m.id]


def test_the_interface_says_report():
    """No English interface string calls a report a case ("Case outcomes", "Closed case", "follow your case")."""
    word = re.compile(r"\bcases?\b", re.I)
    found = [
        f"{m.locations[0][0]}:{m.locations[0][1]}: {msgid!r}"
        for m in interface_strings()
        for msgid in texts(m.id)
        if word.search(NOT_A_REPORT.sub("", msgid))
    ]
    assert not found, "say report, not case:\n" + "\n".join(found)


def test_the_chinese_catalogue_says_jubao():
    """The Chinese interface calls a report 举报 everywhere, never 案件."""
    with open(PO_FILE, "rb") as fileobj:
        catalog = read_po(fileobj)
    found = [
        texts(m.id)[0] for m in catalog if m.id and any("案件" in s for s in texts(m.string) if s)
    ]
    assert not found, "举报, not 案件:\n" + "\n".join(found)


def test_the_allow_lists_are_still_needed():
    """Each allowed string is still in its file: a list that outlives its reason hides nothing new."""
    stale = [
        (file, value)
        for file, value in PUBLIC_CONTRACTS | MOVED
        if value not in {v for _line, v in code_strings(ROOT / file)}
    ]
    assert not stale, f"remove from the allow lists: {stale}"
