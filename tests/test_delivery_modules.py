"""Delivery modules (pages, console, API, admin, feeds, Open311, sign-in) never build SQL: they read through the
services, whose access policies (portal/services/access.py) decide what the public and staff may see.

Read with `ast`, not grep: a comment or a docstring that mentions select( does not count, and an alias does.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "portal"
DELIVERY = ("public", "console", "api", "admin", "feeds", "open311", "auth")
# Exceptions a view catches to roll back and answer: not SQL.
EXCEPTION_MODULES = ("sqlalchemy.exc", "sqlalchemy.orm.exc")
# The unit of work is the view's: it commits, rolls back, or flushes so that constraints speak before a redirect.
SESSION_CALLS = {"commit", "rollback", "flush"}
# Methods that only run or build a query, whatever they are called on.
QUERY_METHODS = {
    "execute",
    "scalar",
    "scalars",
    "scalar_one",
    "scalar_one_or_none",
    "select_from",
    "filter_by",
    "query",
}


def violations(source, filename="<source>"):
    """[(line, what)] for every place `source` builds or runs SQL itself."""
    tree = ast.parse(source, filename)
    models = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                (node.lineno, f"import {a.name}")
                for a in node.names
                if a.name.split(".")[0] == "sqlalchemy"
            ]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] == "sqlalchemy" and node.module not in EXCEPTION_MODULES:
                found.append((node.lineno, f"from {node.module} import …"))
            if node.module.startswith("portal.models"):
                models.update(a.asname or a.name for a in node.names)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        if isinstance(node.value, ast.Name) and node.value.id == "db" and node.attr != "session":
            found.append((node.lineno, f"db.{node.attr}"))
        elif node.attr in QUERY_METHODS and not (
            node.attr == "query" and not _is_model(node.value, models)
        ):
            found.append((node.lineno, f".{node.attr}"))
    for node in ast.walk(tree):
        # db.session.<anything but commit, rollback, flush>: get, execute, add, delete…
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "session"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id == "db"
            and node.attr not in SESSION_CALLS
        ):
            found.append((node.lineno, f"db.session.{node.attr}"))
    return sorted(set(found))


def _is_model(node, models):
    return isinstance(node, ast.Name) and node.id in models


def delivery_files():
    """Every Python file of the delivery packages."""
    return sorted(path for package in DELIVERY for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", delivery_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_delivery_modules_build_no_sql(path):
    """No delivery module imports SQLAlchemy (its exceptions aside) or queries the session itself."""
    found = violations(path.read_text(encoding="utf-8"), str(path))
    assert not found, f"{path.relative_to(ROOT.parent)} builds SQL; move it into a service: {found}"


def test_the_check_sees_queries_and_ignores_words():
    """The check flags real queries, however written, and not comments, strings or other objects' attributes."""
    flagged = violations(
        "import sqlalchemy as sa\n"
        "from sqlalchemy.orm import selectinload\n"
        "from portal.models import Report\n"
        "def view(ref):\n"
        "    rows = db.session.execute(sa.select(Report)).all()\n"
        "    one = db.session.get(Report, 1)\n"
        "    s = db.session\n"
        "    s.scalars(q)\n"
        "    Report.query.filter_by(reference=ref)\n"
        "    db.select(Report)\n"
    )
    assert {what for _line, what in flagged} >= {
        "import sqlalchemy",
        "from sqlalchemy.orm import …",
        "db.session.execute",
        "db.session.get",
        ".scalars",
        ".query",
        ".filter_by",
        "db.select",
    }
    assert (
        violations(
            '"""Docs may say select( and session.execute."""\n'
            "from sqlalchemy.exc import IntegrityError\n"
            "from sqlalchemy.orm.exc import StaleDataError\n"
            "# db.session.execute(select(Report)) would be wrong here\n"
            "def view(found):\n"
            "    label = 'select(x)'\n"
            "    db.session.commit()\n"
            "    db.session.rollback()\n"
            "    return found.query\n"
        )
        == []
    )
