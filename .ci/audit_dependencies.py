"""Audit the installed Python packages for known vulnerabilities; exit 1 on any finding not waived.

pip-audit runs first. Its PyPI service asks `/pypi/<name>/<version>/json`, which the package index
reachable from the CI machines answers with 404 for every package, and its OSV service cannot
resolve api.osv.dev there; when pip-audit can audit nothing for that reason, this script reads the
same advisory data (PyPI's, from the Python Packaging Advisory Database and OSV) from the endpoint
that does answer, `/pypi/<name>/json`. That endpoint lists the vulnerabilities of the latest release
only, so a package is audited when the installed version is the latest; any other is named as not
audited, and the run fails, so a pin that holds a package back is seen and waived deliberately.

Waivers live in `.ci/audit-waivers.txt`: one advisory id or `not-latest:<package>` per line, each
with a comment saying why it does not apply.
"""

import json
import subprocess
import sys
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

WAIVERS = Path(__file__).with_name("audit-waivers.txt")
PYPI = "https://pypi.org/pypi/{}/json"


def waivers():
    """The waived ids: the first word of each non-comment line."""
    lines = WAIVERS.read_text(encoding="utf-8").splitlines() if WAIVERS.exists() else []
    return {line.split()[0] for line in lines if line.strip() and not line.lstrip().startswith("#")}


def pip_audit():
    """Run pip-audit; True when it audited every package and found nothing."""
    run = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "--strict"],
        capture_output=True,
        text=True,
    )
    if run.returncode == 0:
        print(run.stdout.strip() or "pip-audit: no known vulnerabilities found")
        return True
    if "could not be audited" in run.stderr and "known vulnerabilit" not in run.stdout + run.stderr:
        print(
            "pip-audit cannot reach a per-version advisory service from here; "
            "reading PyPI's project endpoint instead."
        )
        return False
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    sys.exit(1)


def installed():
    """(canonical name, version) of every installed distribution except the project itself."""
    seen = {}
    for dist in metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"] or "")
        if name and name != "portal":
            seen[name] = dist.version
    return sorted(seen.items())


def project(name):
    """PyPI's JSON description of `name`, or None when the index does not know it."""
    try:
        with urllib.request.urlopen(PYPI.format(name), timeout=30) as answer:  # nosec B310: fixed https URL
            return json.load(answer)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def main():
    """Audit, print every finding, and exit 1 when any is not waived."""
    if pip_audit():
        return 0
    waived, findings, audited = waivers(), [], 0
    for name, version in installed():
        described = project(name)
        if described is None:
            findings.append((f"not-on-pypi:{name}", f"{name} {version} is not on PyPI"))
            continue
        latest = described["info"]["version"]
        if Version(version) != Version(latest):
            findings.append(
                (
                    f"not-latest:{name}",
                    f"{name} {version} is not the latest ({latest}): not audited",
                )
            )
            continue
        audited += 1
        for vulnerability in described.get("vulnerabilities") or []:
            if not vulnerability.get("withdrawn"):
                ids = [vulnerability["id"], *vulnerability.get("aliases", [])]
                findings.append(
                    (
                        ids[0],
                        f"{name} {version}: {', '.join(ids)} (fixed in "
                        f"{', '.join(vulnerability.get('fixed_in') or ['no release'])})",
                    )
                )
    unwaived = [text for key, text in findings if key not in waived]
    for key, text in findings:
        print(("waived   " if key in waived else "FINDING  ") + text)
    print(
        f"{audited} packages audited against PyPI's advisories; {len(unwaived)} unwaived findings."
    )
    return 1 if unwaived else 0


if __name__ == "__main__":
    sys.exit(main())
