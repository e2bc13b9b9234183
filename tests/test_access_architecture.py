"""Every public read goes through an access policy (issue 12, item 1).

The public's pages, feeds, Open311 and the API (`portal/public/`, `portal/feeds/`, `portal/open311/`,
`portal/api/`) read through service functions. This test follows, with `ast`, every service function,
class or module-level query they use, and what those use in turn, and fails on any of them that reads
reports, consultations, comments, hearings, disclosures or their files (`select(Model…)`,
`select_from(Model)`, `join(Model…)`, `db.session.get(Model, …)`) without a policy of
`portal/services/access.py` (`access.REPORTS…`, or a module's name for one, such as `POLICY` or
`search.INDEXED`) in the same function. The few that may are listed in ALLOWED, each with its reason.
Staff-only and write paths are not reached from those packages, so they are not checked.

A call made through data (`RULES[owner].policy.get_public`, a callback) is not followed; the policies
it reaches are tested in tests/services/test_access.py.
"""

import ast
from collections import deque
from pathlib import Path

import pytest

from portal.services import access

ROOT = Path(__file__).resolve().parent.parent / "portal"
SERVICES = ROOT / "services"
PUBLIC = ("public", "feeds", "open311", "api")
GUARDED = {
    "Report",
    "Consultation",
    "Comment",
    "Hearing",
    "Disclosure",
    "ConsultationAttachment",
    "DisclosureAttachment",
    "TaskReport",
    "LitigationDocument",
}
# The policies, and the rules made from them (access.PUBLISHED_DISCLOSURES).
POLICIES = {
    name for name, value in vars(access).items() if isinstance(value, (access.Policy, access.Rule))
}
# Calls that read rows of the model (or its columns) named in their arguments; a join only in its
# first (the table joined; the ON clause names the query's own tables too).
READING_CALLS = {"select", "select_from", "join", "outerjoin", "query"}
JOINS = {"join", "outerjoin"}

# (module, name): why it may read those models without a policy. Each entry is a public read that is
# not about what the public may see of one record (counts over every report, which are all public;
# a row the caller already holds; the resident's own report by its tracking code…).
ALLOWED = {
    (
        "comments",
        "_author_key",
    ): "submitting a comment: the author's earlier key on the consultation, any "
    "state, so that one person counts once; nothing of it is shown",
    (
        "comments",
        "get_on",
    ): "flagging a comment: found in any state, then flag_comment asks access.COMMENTS.is_public",
    (
        "dashboard",
        "measure_record",
    ): "selects by the ids of _disclosures_of, _consultations_of and _cases_of, "
    "which apply the policies",
    (
        "disclosures",
        "load_versions",
    ): "loads the versions of disclosures the caller already listed through access.DISCLOSURES",
    (
        "hearings",
        "_lock",
    ): "registering for a hearing: locks the hearing already read through access.HEARINGS",
    ("history", "add_event"): "a write: locks the report whose event chain grows",
    ("reports", "Submission"): "the resident's own report, just submitted (its receipt)",
    (
        "reports",
        "_SUBMITTED",
    ): "a write: whether a submission key already made a report (idempotent submission)",
    (
        "reports",
        "find_submission",
    ): "a write: the report a submission key already made, for its receipt",
    (
        "reports",
        "track",
    ): "the resident's own report, by reference and receipt code (more than its public page)",
    ("reports", "open_link"): "the resident's own report, by its private tracking link",
}


def _models(node):
    """The guarded models the expression `node` names, itself or by a column (Report, Report.id…)."""
    return sorted(
        {sub.id for sub in ast.walk(node) if isinstance(sub, ast.Name) and sub.id in GUARDED}
    )


def reads(node):
    """[(line, what)] for every place under `node` that reads a guarded model directly."""
    found = []
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        session_get = (
            name == "get"
            and isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Attribute)
            and func.value.attr == "session"
        )
        if name in READING_CALLS or session_get:
            read = call.args[:1] if session_get or name in JOINS else call.args
            found += [(call.lineno, f"{name}({model}…)") for arg in read for model in _models(arg)]
    return sorted(set(found))


class Module:
    """One module's top-level definitions (functions, classes, assigned names) and what each refers to."""

    def __init__(self, name, source):
        self.name = name
        self.tree = ast.parse(source, name or "<delivery module>")
        self.nodes = {}  # name → the statement defining it
        self.services = {}  # local name → service module name (from portal.services import x)
        self.imported = {}  # local name → (service module, name) (from portal.services.x import y)
        for statement in self.tree.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.nodes[statement.name] = statement
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
                targets = (
                    statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                )
                for target in targets:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name):
                            self.nodes[sub.id] = statement
            elif isinstance(statement, ast.ImportFrom) and statement.module:
                for alias in statement.names:
                    local = alias.asname or alias.name
                    if statement.module == "portal.services":
                        self.services[local] = alias.name
                    elif statement.module.startswith("portal.services."):
                        self.imported[local] = (statement.module.rsplit(".", 1)[1], alias.name)
        self.policy_names = self._policy_names()

    def _policy_names(self):
        """Names that stand for a policy: imported ones, and module-level names made from one (POLICY, INDEXED)."""
        names = {
            local
            for local, (module, name) in self.imported.items()
            if module == "access" and name in POLICIES
        }
        changed = True
        while changed:
            changed = False
            for name, statement in self.nodes.items():
                if name in names or not isinstance(statement, (ast.Assign, ast.AnnAssign)):
                    continue
                if statement.value is not None and self.uses_policy(statement.value, names):
                    names.add(name)
                    changed = True
        return names

    def uses_policy(self, node, names=None):
        """True when `node` refers to a policy: `access.REPORTS…`, or one of this module's names for one."""
        names = self.policy_names if names is None else names
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.Attribute)
                and isinstance(sub.value, ast.Name)
                and self.services.get(sub.value.id) == "access"
                and sub.attr in POLICIES
            ):
                return True
            if isinstance(sub, ast.Name) and sub.id in names:
                return True
        return False

    def refers_to(self, node):
        """The (module, name) pairs of service definitions that `node` refers to."""
        found = set()
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.Attribute)
                and isinstance(sub.value, ast.Name)
                and sub.value.id in self.services
            ):
                found.add((self.services[sub.value.id], sub.attr))
            elif isinstance(sub, ast.Name):
                if sub.id in self.imported:
                    found.add(self.imported[sub.id])
                elif sub.id in self.nodes and self.name is not None:
                    found.add((self.name, sub.id))
        return found


def service_modules():
    """{name: Module} of portal/services/*.py."""
    return {
        path.stem: Module(path.stem, path.read_text(encoding="utf-8"))
        for path in sorted(SERVICES.glob("*.py"))
        if path.stem != "__init__"
    }


def public_entry_points():
    """The (service module, name) pairs that the public's pages, feeds, Open311 and the API refer to."""
    found = set()
    for package in PUBLIC:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = Module(None, path.read_text(encoding="utf-8"))
            found |= module.refers_to(module.tree)
    return found


def unguarded_public_reads(modules, entries):
    """{(module, name): [(line, what)]} for every definition reached from `entries` that reads without a policy."""
    seen, queue, found = set(), deque(sorted(entries)), {}
    while queue:
        key = queue.popleft()
        module_name, name = key
        if key in seen or module_name not in modules or name not in modules[module_name].nodes:
            continue
        seen.add(key)
        module = modules[module_name]
        node = module.nodes[name]
        if module_name != "access":
            direct = reads(node)
            if direct and not module.uses_policy(node):
                found[key] = direct
        queue.extend(sorted(module.refers_to(node) - seen))
    return found


def test_every_public_read_goes_through_an_access_policy():
    """No service function the public's pages, feeds, Open311 or the API reach reads those models without a policy."""
    found = unguarded_public_reads(service_modules(), public_entry_points())
    unexpected = {key: where for key, where in found.items() if key not in ALLOWED}
    assert not unexpected, (
        "these services serve the public and read records without their access policy "
        f"(portal/services/access.py): {unexpected}"
    )


def test_every_exception_is_still_needed():
    """An ALLOWED entry that no longer reads without a policy (or is no longer public) goes from the list."""
    found = unguarded_public_reads(service_modules(), public_entry_points())
    assert set(ALLOWED) <= set(found), f"no longer needed: {sorted(set(ALLOWED) - set(found))}"


def test_the_check_follows_calls_and_sees_reads_without_a_policy():
    """A public view reaching, through another function, a query on Consultation without a policy is caught;
    the same read with the policy's condition, or a read of another model, is not."""
    modules = {
        "access": Module("access", "CONSULTATIONS = Policy()\n"),
        "things": Module(
            "things",
            "from portal.services import access\n"
            "from portal.models import Consultation, Unit\n"
            "POLICY = access.CONSULTATIONS\n"
            "def public_page(key):\n"
            "    return _load(key)\n"
            "def _load(key):\n"
            "    return db.session.get(Consultation, key)\n"
            "def listed():\n"
            "    return db.session.scalars(sa.select(Consultation).where(POLICY.public_condition()))\n"
            "def counted():\n"
            "    return sa.select(sa.func.count()).select_from(Consultation)\n"
            "def units():\n"
            "    return sa.select(Unit).join(Unit.parent)\n"
            "def staff_only(key):\n"
            "    return db.session.get(Consultation, key)\n",
        ),
    }
    found = unguarded_public_reads(
        modules,
        {
            ("things", "public_page"),
            ("things", "listed"),
            ("things", "counted"),
            ("things", "units"),
        },
    )
    assert set(found) == {("things", "_load"), ("things", "counted")}
    assert found[("things", "_load")] == [(7, "get(Consultation…)")]


@pytest.mark.parametrize("entry", sorted(ALLOWED))
def test_each_exception_says_why(entry):
    """Every exception carries its reason."""
    assert len(ALLOWED[entry]) > 20
