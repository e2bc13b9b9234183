"""One word per concept: the words the code gave up (issue 12, item 5) do not come back in portal/ or templates/.

A goal is `Goal` (table `goals`), never an indicator; a hearing is `Hearing` (table `hearings`, the
registration's `hearing_id`), never a hearing session with a `session_id`; a unit that takes reports
`handles_reports`. Only identifiers and string literals of the code count: prose (docstrings, comments
and the English text of the translations, which translators keep) and HTML outside Jinja's tags do not.
`session` alone is not looked for: it is also the Flask session and the database session.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OLD_WORDS = re.compile(r"indicator|hearing_?session|session_id|handles_cases", re.IGNORECASE)
GETTEXT = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "lazy_ngettext", "pgettext"}

# Public contracts that clients depend on, kept on purpose: (file, identifier or string).
CONTRACTS = {
    # /dashboard/goals.csv: the first column heading.
    ("portal/services/dashboard.py", "indicator"),
    # /api/v1/disclosures/<id>: each observation's "indicator" object.
    ("portal/api/serializers.py", "indicator"),
    # /api/v1/openapi.json: the same key, and the schema names generated clients are built on.
    ("portal/api/openapi.py", "indicator"),
    ("portal/api/openapi.py", "Indicator"),
    ("portal/api/openapi.py", "IndicatorList"),
    # Audit records are append-only: those written before revision 0011 name their subject so.
    ("templates/admin/audit/index.html", "hearing_session"),
    # Not a contract: the placeholder of a translated message ("%(indicators)s goal indicators."), part of
    # its msgid; it changes with the English text, when the catalogues are next revised.
    ("templates/public/home/index.html", "indicators"),
    ("portal/services/disclosures.py", "indicator"),  # "%(indicator)s %(year)s is given twice …"
}


def _docstrings(tree):
    """The string nodes that are docstrings."""
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
        ):
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                yield first.value


def _translated(tree):
    """The string nodes that are messages to translate: arguments of `_`, `_l`, `ngettext`…"""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in GETTEXT
        ):
            yield from (arg for arg in node.args if isinstance(arg, ast.Constant))


def python_words(source):
    """The identifiers and string literals of a module, prose left out."""
    tree = ast.parse(source)
    prose = {id(node) for node in (*_docstrings(tree), *_translated(tree))}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name
        elif isinstance(node, ast.arg) or isinstance(node, ast.keyword) and node.arg:
            yield node.arg
        elif isinstance(node, ast.alias):
            yield node.asname or node.name
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
        ):
            yield node.value


JINJA_CODE = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.DOTALL)
STRING = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
JINJA_MESSAGE = re.compile(rf"\b(?:_|gettext|ngettext)\(\s*{STRING}(?:\s*,\s*{STRING})?")
JINJA_WORD = re.compile(rf"{STRING}|[A-Za-z_]\w*")


def template_words(source):
    """The identifiers and string literals inside a template's Jinja tags, messages to translate left out."""
    for match in JINJA_CODE.finditer(source):
        code = JINJA_MESSAGE.sub("_(", match.group(1) or match.group(2))
        for word in JINJA_WORD.findall(code):
            yield word[1:-1] if word[0] in "\"'" else word


def old_words():
    """(file, word) for every identifier or string of the code that uses a word given up."""
    found = set()
    for path in sorted((ROOT / "portal").rglob("*.py")):
        for word in python_words(path.read_text(encoding="utf-8")):
            if OLD_WORDS.search(word):
                found.add((str(path.relative_to(ROOT)), word))
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix in (".html", ".txt", ".xml", ".js") and path.is_file():
            for word in template_words(path.read_text(encoding="utf-8")):
                if OLD_WORDS.search(word):
                    found.add((str(path.relative_to(ROOT)), word))
    return found


def test_the_words_given_up_do_not_come_back():
    """No Indicator, HearingSession, session_id or handles_cases outside the public contracts listed."""
    assert old_words() - CONTRACTS == set()


def test_every_contract_listed_is_still_there():
    """A contract that is gone from the code is taken off the list, so the list says what clients see."""
    assert CONTRACTS - old_words() == set()


def test_the_scan_finds_old_words_in_code_but_not_in_prose():
    """Names, attributes, keywords and strings are found; docstrings, comments and messages are not."""
    source = '''"""Goal indicators, in prose."""
from portal.models import HearingSession
def show(session_id):  # a hearing session
    """The hearing session."""
    unit.handles_cases
    flash(_("No goal indicators yet."))
    return url_for("public.hearings_show", session_id=1), "indicators"
'''
    words = {w for w in python_words(source) if OLD_WORDS.search(w)}
    assert words == {"HearingSession", "session_id", "handles_cases", "indicators"}
    template = (
        '{% for indicator in goals %}{{ _("Indicator") }} <a id="indicator-{{ g.id }}">'
        '{{ url_for("x", session_id=h.id) }}{# hearing_session #}{% endfor %}'
    )
    assert {w for w in template_words(template) if OLD_WORDS.search(w)} == {
        "indicator",
        "session_id",
    }
