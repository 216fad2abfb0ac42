"""Files uploaded through the UI: saved under ``<data_dir>/uploads/`` with safe names, then ingested.

Rules (also shown next to the upload box):

* only .pdf, .docx (Word), .html/.htm (a saved web page), .txt and .md files (read by their content:
  a web page saved under a .pdf name is read as HTML if it holds a document, refused otherwise);
* at most ``Settings.max_file_mb`` megabytes each (env ``INSPECTION_ASSISTANT_MAX_FILE_MB``, default 50);
* names are reduced to a safe base name (letters, digits, ``. _ -`` and spaces; at most 100 characters);
  an existing file of the same name is never overwritten: the new one gets a ``-1``, ``-2``… suffix,
  unless it has identical content, in which case the existing file is reused (and ingest skips it);
* a file that fails (a scan OCR cannot read, encrypted, corrupt, too large, wrong type…) is deleted again, with
  its reason reported, so nothing half-indexed stays behind; the other files are unaffected.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class Settings(Protocol):
    """The settings uploads need (``assistant.config.Settings`` satisfies it; ingest does not import it)."""

    data_dir: Path
    max_file_mb: float
    chunk_max_tokens: int

UPLOAD_SUFFIXES = (".pdf", ".docx", ".html", ".htm", ".txt", ".md")
MAX_NAME_CHARS = 100
UPLOADS_DIR = "uploads"

Progress = Callable[[int, int, str], None]


class UploadRejected(ValueError):
    """A file refused before ingest; ``reason`` says why."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass
class UploadResult:
    name: str  # as uploaded
    saved_as: str  # the sanitised file name ("" when refused before saving)
    ok: bool
    status: str  # added | updated | skipped | failed | rejected
    chunks: int = 0
    reason: str = ""

    @property
    def message(self) -> str:
        if self.ok:
            if self.status == "skipped":
                return f"{self.saved_as}: already indexed (unchanged)"
            return f"{self.saved_as}: indexed ({self.chunks} passages)"
        return f"{self.name}: {self.reason}"


def uploads_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / UPLOADS_DIR


def sanitize_filename(name: str, max_chars: int = MAX_NAME_CHARS) -> str:
    """A safe base name: no directories, no "..", only [A-Za-z0-9._ -], at most ``max_chars`` characters.

    The suffix is kept (lower-cased) when there is room; an empty result becomes "upload".
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = base.replace("\x00", "")
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base)
    base = re.sub(r"\.{2,}", ".", base)  # no ".." anywhere
    base = re.sub(r"\s+", " ", base).strip()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    # No leading dot (ingest skips hidden files) and never option-like; a name that is only a suffix
    # (".txt") keeps the suffix and gets the stem "upload".
    stem = stem.strip(" .").lstrip("-")
    suffix = suffix.lower()[:10]
    stem = stem.strip(" ._-") or "upload"
    room = max_chars - (len(suffix) + 1 if suffix else 0)
    stem = stem[:max(1, room)].rstrip(" .")
    return f"{stem}.{suffix}" if suffix else stem


def save_upload(name: str, data: bytes, folder: Path, max_bytes: int) -> Path:
    """Validate and write one uploaded file; returns the path. Raises ``UploadRejected`` with a reason."""
    safe = sanitize_filename(name)
    suffix = Path(safe).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadRejected(name, f"unsupported file type '{suffix or '(none)'}': upload PDF, Word (.docx), HTML, "
                                   ".txt or .md files")
    if not data:
        raise UploadRejected(name, "empty file (0 bytes): nothing to index")
    if len(data) > max_bytes:
        raise UploadRejected(name, f"file too large ({len(data) / 1e6:.1f} MB > {max_bytes / 1e6:g} MB limit): "
                                   "split it, or raise INSPECTION_ASSISTANT_MAX_FILE_MB")
    folder.mkdir(parents=True, exist_ok=True)
    target = _free_path(folder, safe, data)
    if target.exists():  # identical content already saved under this name
        return target
    # Write to a temporary name first so a crash never leaves a truncated file under the real name.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _free_path(folder: Path, safe: str, data: bytes) -> Path:
    stem, suffix = Path(safe).stem, Path(safe).suffix
    digest = hashlib.sha256(data).digest()
    for i in range(0, 10_000):
        candidate = folder / (safe if i == 0 else f"{stem[:MAX_NAME_CHARS - len(suffix) - 6]}-{i}{suffix}")
        if not candidate.exists():
            return candidate
        if candidate.is_file() and hashlib.sha256(candidate.read_bytes()).digest() == digest:
            return candidate
    raise UploadRejected(safe, "too many files with this name: rename it")


def ingest_saved(store: Any, paths: Sequence[Path], settings: Settings,
                 progress: Progress | None = None) -> dict[Path, tuple[str, int, str]]:
    """Ingest saved uploads; delete every file that failed. Returns path -> (status, chunks, reason).

    If ingest itself raises (another ingest running, store unreachable), files that did not get indexed are
    deleted and the exception propagates.
    """
    from ingest import IngestOptions, ingest

    options = IngestOptions.from_settings(settings)
    try:
        report = ingest(store, list(paths), options, lock_dir=Path(settings.data_dir), progress=progress)
    except BaseException:
        _remove_unindexed(store, paths)
        raise
    by_path = {str(Path(o.path).resolve()): o for o in report.outcomes}
    results: dict[Path, tuple[str, int, str]] = {}
    for path in paths:
        outcome = by_path.get(str(path.resolve()))
        if outcome is None:
            results[path] = ("failed", 0, "not ingested")
        else:
            results[path] = (outcome.status, outcome.chunks, outcome.reason)
        if results[path][0] == "failed":
            path.unlink(missing_ok=True)
    return results


def _remove_unindexed(store: Any, paths: Sequence[Path]) -> None:
    try:
        indexed = {str(Path(d.path).resolve()) for d in store.list_documents()}
    except Exception:
        indexed = set()
    for path in paths:
        if str(path.resolve()) not in indexed:
            path.unlink(missing_ok=True)


def process_uploads(files: Sequence[tuple[str, bytes]], settings: Settings, store: Any,
                    progress: Progress | None = None) -> list[UploadResult]:
    """Save, validate and ingest uploaded (name, bytes) pairs; one result per file, in upload order."""
    folder = uploads_dir(settings)
    max_bytes = int(settings.max_file_mb * 1_000_000)
    results: list[UploadResult | None] = []
    saved: dict[int, Path] = {}
    for i, (name, data) in enumerate(files):
        try:
            saved[i] = save_upload(name, data, folder, max_bytes)
            results.append(None)
        except UploadRejected as exc:
            results.append(UploadResult(name, "", False, "rejected", reason=exc.reason))
    if saved:
        unique = list(dict.fromkeys(saved.values()))
        outcomes = ingest_saved(store, unique, settings, progress)
        for i, path in saved.items():
            status, chunks, reason = outcomes[path]
            ok = status in ("added", "updated", "skipped")
            results[i] = UploadResult(files[i][0], path.name, ok, status, chunks, reason)
    return [r for r in results if r is not None]
