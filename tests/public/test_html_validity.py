"""Every public page is valid HTML, in Chinese and in English, by the Nu Html Checker (vnu.jar).

vnu.jar comes from npm (package.json, `make test` installs it into node_modules/) and needs Java.
All pages are checked in one `java -jar vnu.jar` call, so the JVM starts once.
"""
import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL = "Run `make test` (it installs vnu.jar and axe-core from package-lock.json with `npm ci`)."

# (slug, path, expected status); "{department}" and "{division}" are filled in from /api/v1/units.
PAGES = [
    ("home", "/", 200),
    ("measures", "/measures", 200),
    ("measure-1", "/measures/1", 200),
    ("measure-3", "/measures/3", 200),
    ("measure-14", "/measures/14", 200),
    ("units", "/units", 200),
    ("unit-department", "/units/{department}", 200),
    ("unit-division", "/units/{division}", 200),
    ("goals", "/goals", 200),
    ("login", "/login", 200),
    ("not-found", "/measures/99", 404),
]


def unit_ids(client):
    """Ids of a department with an alias and many tasks (兵团建设局) and of a division with an area."""
    by_name = {unit["name"]: unit["id"] for unit in client.get("/api/v1/units").get_json()["items"]}
    return {"department": by_name["兵团建设局"], "division": by_name["第八师石河子市"]}


def render_pages(app, directory):
    """Write every page, in Chinese and in English, to `directory`; return the files written."""
    files = []
    for language in ("zh", "en"):
        client = app.test_client()
        if language == "en":
            client.get("/language/en")
        ids = unit_ids(client)
        for slug, path, status in PAGES:
            response = client.get(path.format(**ids))
            assert response.status_code == status, f"{path} ({language}) answered {response.status_code}"
            assert response.content_type.startswith("text/html")
            page = response.get_data(as_text=True)
            expected_lang = "en" if language == "en" else "zh-Hans"
            assert f'<html lang="{expected_lang}">' in page, f"{path} ({language}) is not in {expected_lang}"
            target = directory / f"{language}-{slug}.html"
            target.write_text(page, encoding="utf-8")
            files.append(target)
    return files


def run_vnu(files):
    """Check `files` in one JVM; return vnu's messages (errors only)."""
    java = shutil.which("java")
    if java is None:
        pytest.fail(f"java was not found on PATH; vnu.jar needs Java 11 or later. {INSTALL}")
    if not VNU_JAR.is_file():
        pytest.fail(f"{VNU_JAR.relative_to(ROOT)} is missing. {INSTALL}")
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )
    try:
        report = json.loads(result.stderr or result.stdout)
    except ValueError:
        pytest.fail(f"vnu.jar did not answer JSON (exit {result.returncode}):\n{result.stderr}{result.stdout}")
    messages = report.get("messages", [])
    if result.returncode != 0 and not messages:
        pytest.fail(f"vnu.jar failed (exit {result.returncode}) without reporting a message:\n{result.stderr}")
    return messages


def describe(message):
    """`file:line: message` for a failure report, with the offending markup when vnu gives it."""
    name = Path(unquote(urlparse(message.get("url", "")).path)).name or "?"
    line = message.get("lastLine", message.get("firstLine", "?"))
    text = f"{name}:{line}: [{message.get('type')}] {message.get('message')}"
    extract = re.sub(r"\s+", " ", message.get("extract", "")).strip()
    return text + (f"\n      … {extract} …" if extract else "")


def test_public_pages_are_valid_html(app, tmp_path):
    """The Nu Html Checker finds no error on any public page, in either language."""
    files = render_pages(app, tmp_path)
    assert len(files) == 2 * len(PAGES)
    errors = [m for m in run_vnu(files) if m.get("type") in ("error", "non-document-error")]
    assert not errors, f"vnu.jar found {len(errors)} error(s) in the rendered pages:\n" + "\n".join(
        describe(message) for message in errors
    )
