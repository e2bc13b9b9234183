"""The stored files under the data directory: which exist, which the database refers to, and orphans.

Evidence and attachments are written to disk before the transaction that records them commits (the
row needs the file's name, and a report confirmed to a resident must have its files). A process
killed between the two leaves a file no row refers to. Such orphans are harmless but are found by
`portal check` and removed by `portal tick` once they are older than a grace period, which keeps
files of submissions still in flight.
"""

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

# Every folder under FILES_DIR that holds files the database refers to (evidence.PUBLIC_DIR,
# evidence.ORIGINALS_DIR, attachments.FOLDER, attachments.DISCLOSURE_FOLDER, attachments.LITIGATION_FOLDER).
FOLDERS = (
    "evidence",
    "evidence-originals",
    "consultation-attachments",
    "disclosure-attachments",
    "litigation-documents",
)
# Every column that names a stored file (relative to FILES_DIR), read as one statement.
REFERENCED_SQL = (
    "SELECT public_path FROM evidence UNION SELECT original_path FROM evidence "
    "UNION SELECT path FROM consultation_attachments UNION SELECT path FROM disclosure_attachments "
    "UNION SELECT path FROM litigation_documents"
)
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Orphans:
    """Unreferenced files older than the grace period (`paths`), and how many younger ones were left."""

    paths: tuple
    recent: int


def stored_files(files_dir):
    """The relative POSIX paths of every file in the stored folders, sorted (temporary files included)."""
    root = Path(files_dir)
    found = []
    for folder in FOLDERS:
        for directory, _dirs, files in os.walk(root / folder):
            found.extend((Path(directory) / name).relative_to(root).as_posix() for name in files)
    return sorted(found)


def referenced_files(query):
    """The set of relative paths the database refers to; `query(sql)` returns the rows of a statement."""
    return {row[0] for row in query(REFERENCED_SQL) if row[0]}


def sha256_of(path):
    """The hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def find_orphans(files_dir, referenced, grace_seconds, now=None):
    """Files no row refers to, split by whether they are older than `grace_seconds` (by mtime)."""
    now = time.time() if now is None else now
    old, recent = [], 0
    for relative in stored_files(files_dir):
        if relative in referenced:
            continue
        try:
            age = now - (Path(files_dir) / relative).stat().st_mtime
        except FileNotFoundError:
            continue  # removed meanwhile (a failed submission cleaning up after itself)
        if age >= grace_seconds:
            old.append(relative)
        else:
            recent += 1
    return Orphans(tuple(old), recent)


def remove_orphans(files_dir, paths):
    """Delete the given unreferenced files; return how many were removed."""
    removed = 0
    for relative in paths:
        try:
            (Path(files_dir) / relative).unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed
