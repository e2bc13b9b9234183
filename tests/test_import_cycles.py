"""No module of portal/ depends on itself through other modules: the import graph has no cycle.

Read with `ast` from the source, without importing anything. What counts as an edge:

- every `import portal.x` and `from portal.x import y` (y a module: an edge to portal.x.y; otherwise
  to portal.x), relative ones resolved;
- imports inside functions count like those at the top of a module. They only postpone the import;
  the dependency is the same, and a cycle through them is still a cycle (it merely fails later, on
  the first call in the wrong order). An import inside a function is for cost (a heavy library loaded
  on first use), never to dodge a cycle;
- not counted: imports under `if TYPE_CHECKING:` (never run), and a package's `__init__` importing its
  own submodules (the Flask blueprint idiom: portal/console/__init__.py creates `bp`, then imports
  its view modules so that their routes register; Python always runs a package's `__init__` before
  its submodules, so that edge cannot start a cycle the others do not already make).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "portal"


def module_name(path):
    """portal/services/search.py → portal.services.search; portal/api/__init__.py → portal.api."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules():
    """{module name: path} of every module of the portal package."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _type_checking(node):
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(name, path, known):
    """{(imported portal module, line)} of module `name`, by the rules of this file's docstring."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()

    def target(base, alias):
        full = f"{base}.{alias}" if base else alias
        return full if full in known else base if base in known else None

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update((a.name, child.lineno) for a in child.names if a.name in known)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(
                        package[: len(package) - child.level + 1] + ([base] if base else [])
                    )
                for alias in child.names:
                    imported = target(base, alias.name)
                    if imported is not None:
                        found.add((imported, child.lineno))
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    if path.name == "__init__.py":
        found = {
            (imported, line) for imported, line in found if not imported.startswith(name + ".")
        }
    return {(imported, line) for imported, line in found if imported != name}


def import_graph():
    """{module: {(imported module, line)}} for the whole portal package."""
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def cycles(graph):
    """Every strongly connected group of more than one module (Tarjan), each as a sorted list."""
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]

    def connect(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for neighbour, _line in graph[node]:
            if neighbour not in index:
                connect(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return groups


def describe(graph, group):
    """The imports that tie `group` together, one per line, for the failure message."""
    members = set(group)
    return "\n".join(
        f"  {name}:{line} imports {imported}"
        for name in group
        for imported, line in sorted(graph[name])
        if imported in members
    )


def test_the_portal_has_no_import_cycle():
    """A cycle names its modules and the lines that import each other."""
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles among portal's modules:\n" + "\n\n".join(
        describe(graph, g) for g in found
    )


def test_the_check_sees_imports_inside_functions_and_relative_ones(tmp_path):
    """The rules themselves: a cycle through an import inside a function, or a relative one, is found."""
    known = {
        "portal.a": tmp_path / "a.py",
        "portal.b": tmp_path / "b.py",
        "portal.c": tmp_path / "c.py",
    }
    known["portal.a"].write_text("from portal import b\n")
    known["portal.b"].write_text("def late():\n    from .c import thing\n")
    known["portal.c"].write_text(
        "import portal.a\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from portal import b\n"
    )
    graph = {name: imports(name, path, known) for name, path in known.items()}
    assert graph["portal.c"] == {("portal.a", 1)}
    assert cycles(graph) == [["portal.a", "portal.b", "portal.c"]]
