"""Services take what they need as arguments: none reads the request, the current user or the app's configuration
through Flask's globals (read with `ast`, imports inside functions included)."""

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parent.parent / "portal" / "services"
# Flask's request-bound globals; `render_template` (mail bodies) and the rest of Flask stay allowed.
GLOBALS = {"flask": {"current_app", "request", "session", "g"}, "flask_login": {"current_user"}}


def request_globals(source):
    """(line, name) of every import of a request-bound global, or of a whole module that holds them."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in GLOBALS:
            found += [
                (node.lineno, f"{node.module}.{a.name}")
                for a in node.names
                if a.name in GLOBALS[node.module]
            ]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name in GLOBALS]
    return found


def test_no_service_reads_flask_globals():
    """`current_app.config`, `request`, `current_user` are the views' to read and pass on."""
    offenders = [
        f"{path.relative_to(SERVICES.parent.parent)}:{line} imports {name}"
        for path in sorted(SERVICES.rglob("*.py"))
        for line, name in request_globals(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "\n".join(offenders)


def test_the_check_finds_imports_inside_functions():
    """An import inside a function counts; `render_template` does not."""
    source = "from flask import render_template\n\ndef f():\n    from flask import current_app\n    import flask_login\n"
    assert request_globals(source) == [(4, "flask.current_app"), (5, "flask_login")]
