"""Leaflet is served from static/vendor/leaflet/, committed: the copy is exactly the npm package pinned in
package.json and package-lock.json, so that it cannot drift from what the lock file names (and audits)."""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor" / "leaflet"
PACKAGE = ROOT / "node_modules" / "leaflet"
INSTALL = "Run `make test` (it installs the npm packages of package-lock.json with `npm ci`)."
# Each served file and where it is in the npm package (the Makefile's LEAFLET_FILES, `make vendor`).
FILES = {
    "leaflet.js": "dist/leaflet.js",
    "leaflet.css": "dist/leaflet.css",
    "images/layers.png": "dist/images/layers.png",
    "images/layers-2x.png": "dist/images/layers-2x.png",
    "images/marker-icon.png": "dist/images/marker-icon.png",
    "images/marker-icon-2x.png": "dist/images/marker-icon-2x.png",
    "images/marker-shadow.png": "dist/images/marker-shadow.png",
    "LICENSE": "LICENSE",
}


def pinned_version():
    """Leaflet's version as package.json pins it (an exact version, no range)."""
    version = json.loads((ROOT / "package.json").read_text())["dependencies"]["leaflet"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"leaflet must be pinned, not {version!r}"
    return version


def test_the_served_copy_is_the_pinned_version():
    """package.json, package-lock.json and the committed leaflet.js name the same version."""
    version = pinned_version()
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/leaflet"]["version"] == version
    assert f't.version="{version}"' in (VENDOR / "leaflet.js").read_text()


def test_the_served_files_equal_the_npm_package():
    """Every served file is byte for byte the installed package's (`make vendor` copies them)."""
    if not (PACKAGE / "package.json").is_file():
        pytest.fail(f"{PACKAGE.relative_to(ROOT)} is missing. {INSTALL}")
    installed = json.loads((PACKAGE / "package.json").read_text())["version"]
    assert installed == pinned_version(), f"node_modules has leaflet {installed}: {INSTALL}"
    served = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()}
    assert served == set(FILES), (
        "static/vendor/leaflet/ holds other files than `make vendor` copies"
    )
    for name, source in FILES.items():
        assert (VENDOR / name).read_bytes() == (PACKAGE / source).read_bytes(), (
            f"static/vendor/leaflet/{name} differs from the npm package: run `make vendor`"
        )
