"""Read files into per-page text, refusing bad input with a reason a person can act on."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md", ".markdown")
#: Below this many characters of text per page on average, a PDF is treated as scanned.
MIN_CHARS_PER_PAGE = 25


class IngestError(Exception):
    """A file that cannot be ingested; ``reason`` says why and what to do."""

    def __init__(self, path: Path | str, reason: str):
        reason = one_line(reason)  # pypdf's and the OS's texts may span lines; a report line must not
        super().__init__(f"{one_line(str(path))}: {reason}")
        self.path = str(path)
        self.reason = reason


def one_line(text: str) -> str:
    """``text`` safe to print as one line: control characters (a newline in a file name is legal) are shown
    escaped, as Python would write them."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


@dataclass
class SourceDocument:
    """A file as read from disk: its pages of raw text and its identity."""

    path: Path
    file_type: str  # "pdf" | "text" | "markdown"
    pages: list[str]  # raw text per page; text files have a single page
    content_hash: str
    size_bytes: int
    notes: list[str] = field(default_factory=list)  # e.g. "decoded as Windows-1252"

    @property
    def paged(self) -> bool:
        return self.file_type == "pdf"


def load_file(path: Path, max_bytes: int) -> SourceDocument:
    if not path.exists():
        raise IngestError(path, "file not found: check the path")
    if not path.is_file():
        raise IngestError(path, "not a regular file (a device, pipe or socket?): copy the document to an ordinary file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(path, f"unsupported file type '{suffix or '(none)'}': convert it to PDF, .txt or .md")
    # Size from stat() first: an oversized file is refused without reading a byte of it.
    size = path.stat().st_size
    if size == 0:
        raise IngestError(path, "empty file (0 bytes): nothing to index")
    if size > max_bytes:
        raise _too_large(path, size, max_bytes)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # never more than the limit, even if the file grows meanwhile
    except OSError as exc:
        raise IngestError(path, f"cannot read file ({exc.strerror or exc}): check its permissions") from exc
    if len(data) > max_bytes:
        raise _too_large(path, len(data), max_bytes)
    size = len(data)
    digest = hashlib.sha256(data).hexdigest()
    if suffix == ".pdf":
        pages = _pdf_pages(path, data)
        return SourceDocument(path, "pdf", pages, digest, size)
    text, notes = _decode_text(path, data)
    kind = "text" if suffix == ".txt" else "markdown"
    return SourceDocument(path, kind, [text], digest, size, notes)


def _too_large(path: Path, size: int, max_bytes: int) -> IngestError:
    return IngestError(
        path, f"file too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:g} MB limit): split it or raise --max-file-mb")


def _decode_text(path: Path, data: bytes) -> tuple[str, list[str]]:
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    nul = -1 if utf16 else data.find(b"\x00")  # the whole file: a NUL after the first 64 KB is still binary
    if nul >= 0:
        if _looks_like_utf16(data):
            raise IngestError(path, "contains NUL bytes: looks like UTF-16 text without a byte-order mark; "
                                    "re-save it as UTF-8")
        raise IngestError(path, f"contains NUL bytes (first at offset {nul}): looks like a binary file, not text; "
                                 "export it as PDF, .txt or .md")
    for encoding, note in (("utf-8-sig", ""), ("utf-16", "decoded as UTF-16")):
        if encoding == "utf-16" and not utf16:
            continue
        try:
            return data.decode(encoding), [note] if note else []
        except UnicodeDecodeError:
            if encoding == "utf-8-sig" and _looks_like_utf8(data):
                # Mostly UTF-8 with a stray byte: decoding it all as Windows-1252 would turn every accented
                # letter and curly quote into mojibake ("â€™"), so point at the bad byte instead.
                offset = _utf8_error_offset(data)
                raise IngestError(
                    path, f"undecodable bytes at offset {offset} (0x{data[offset]:02x}): UTF-8 text with invalid "
                          "bytes (mixed encodings?); re-save it as UTF-8") from None
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise IngestError(
            path, f"undecodable bytes at offset {exc.start}: not UTF-8 or Windows-1252 text; re-save it as UTF-8"
        ) from exc
    return text, ["decoded as Windows-1252 (not valid UTF-8)"]


def _looks_like_utf8(data: bytes) -> bool:
    """A UTF-8 byte-order mark, or at least as many valid multi-byte UTF-8 characters as invalid bytes."""
    if data.startswith(b"\xef\xbb\xbf"):
        return True
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")  # genuine U+FFFD characters do not count
    valid = len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")
    return valid > 0 and valid >= invalid


def _utf8_error_offset(data: bytes) -> int:
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        return bom + exc.start
    return 0


def _looks_like_utf16(data: bytes) -> bool:
    sample = data[:4096]
    if len(sample) < 4:
        return False
    half = len(sample) // 2
    return max(sample[0::2].count(0), sample[1::2].count(0)) >= 0.8 * half


def _pdf_pages(path: Path, data: bytes) -> list[str]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns per odd object; we report per file
    if not data.lstrip()[:1024].startswith(b"%PDF") and b"%PDF" not in data[:1024]:
        raise IngestError(path, "not a PDF (no %PDF header): the file is corrupt or misnamed")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except DependencyError as exc:  # AES without the 'cryptography' package
                raise IngestError(path, "AES-encrypted PDF and the 'cryptography' package is missing: reinstall "
                                        "inspection-assistant (it depends on pypdf[crypto])") from exc
            except Exception:
                ok = 0
            if not ok:
                raise IngestError(path, "encrypted PDF: remove the password (e.g. 'qpdf --decrypt') and ingest again")
        pages = [(page.extract_text() or "") for page in reader.pages]
    except IngestError:
        raise
    except FileNotDecryptedError as exc:
        raise IngestError(path, "encrypted PDF: remove the password and ingest again") from exc
    except (PdfReadError, Exception) as exc:  # pypdf raises assorted errors on damaged files
        raise IngestError(path, f"corrupt PDF ({type(exc).__name__}: {str(exc)[:80]}): re-export or repair it") from exc
    if not pages:
        raise IngestError(path, "PDF has no pages: re-export it from the original document")
    chars = sum(len(p.strip()) for p in pages)
    if chars < MIN_CHARS_PER_PAGE * len(pages):
        raise IngestError(path, "no extractable text: looks scanned, OCR it first (e.g. 'ocrmypdf in.pdf out.pdf')")
    return pages


def discover(paths: list[Path]) -> tuple[list[Path], list[IngestError]]:
    """Expand folders recursively (without following directory symlinks, so loops can't trap us)."""
    files: list[Path] = []
    errors: list[IngestError] = []
    seen: set[Path] = set()
    for root in paths:
        if not root.exists():
            errors.append(IngestError(root, "path not found: check the spelling or the working directory"))
            continue
        candidates = [root] if root.is_file() else _walk(root)
        for p in candidates:
            if p.name.endswith(".meta.json"):
                continue
            try:
                real = p.resolve(strict=True)
            except (OSError, RuntimeError):
                errors.append(IngestError(p, "broken or looping symlink: fix or remove the link"))
                continue
            if real in seen:
                continue
            seen.add(real)
            files.append(p)
    return files, errors


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found += [Path(dirpath) / f for f in sorted(filenames) if not f.startswith(".")]
    return found
