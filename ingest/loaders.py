"""Read files into per-page text, refusing bad input with a reason a person can act on.

A file is read by what its bytes are, not by its name (``ingest.formats.sniff``): a PDF, a Word document
(a zip holding ``word/document.xml``) or a web page is read as one whatever its suffix says; a ``.pdf``
holding plain text is still refused as "not a PDF". A web page under another type's name is read only if
it holds a document (``formats.MIN_DOCUMENT_WORDS`` words of main text), otherwise refused as a site page.
PDF pages without a text layer are OCR'd when Tesseract is installed (``ingest.ocr``).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest import formats, ocr

SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md", ".markdown", ".docx", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
#: Below this many characters of text per page on average, a PDF is treated as scanned.
MIN_CHARS_PER_PAGE = 25
#: A page with fewer characters than this and a picture over at least ``SCAN_COVERAGE`` of it is a scan
#: (perhaps with a stamped page number or title in a text layer): it is OCR'd too.
SPARSE_PAGE_CHARS = 200
SCAN_COVERAGE = 0.5
#: A Word file whose document part unpacks to more than this many times the file size limit is refused.
MAX_UNPACK_RATIO = 20

#: ``progress(done, total, stage)``; stage "ocr": called before the first OCR'd page and after each.
Progress = Callable[[int, int, str], None]


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
    file_type: str  # "pdf" | "text" | "markdown" | "docx" | "html"
    pages: list[str]  # raw text per page; text, Word and HTML files have a single page (markdown-ish text)
    content_hash: str
    size_bytes: int
    notes: list[str] = field(default_factory=list)  # e.g. "decoded as Windows-1252"
    #: 1-based numbers of the PDF pages whose text came from OCR (not from the file's text layer); a
    #: citation from them may carry recognition errors.
    ocr_pages: list[int] = field(default_factory=list)

    @property
    def paged(self) -> bool:
        return self.file_type == "pdf"


def load_file(path: Path, max_bytes: int, progress: Progress | None = None) -> SourceDocument:
    """Read ``path`` (at most ``max_bytes``); ``progress`` hears about OCR, the one slow step."""
    if not path.exists():
        raise IngestError(path, "file not found: check the path")
    if not path.is_file():
        raise IngestError(path, "not a regular file (a device, pipe or socket?): copy the document to an ordinary file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES and not _readable_by_content(path):
        raise IngestError(path, f"unsupported file type '{suffix or '(none)'}': convert it to PDF, Word (.docx), "
                                "HTML, .txt or .md")
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
    kind = formats.sniff(data)
    named = {".pdf": "pdf", ".docx": "docx"}.get(suffix, "html" if suffix in HTML_SUFFIXES else "text")
    notes = [f"read as {kind.upper()} (its name says {suffix or 'nothing'})"] if kind in ("pdf", "docx", "html") \
        and kind != named else []
    if kind == "pdf":
        pages, ocr_pages, pdf_notes = _pdf_pages(path, data, progress)
        return SourceDocument(path, "pdf", pages, digest, size, notes + pdf_notes, ocr_pages)
    if kind == "docx":
        return SourceDocument(path, "docx", [_docx_text(path, data, max_bytes)], digest, size, notes)
    if kind == "html":
        return SourceDocument(path, "html", [_html_text(path, data, suffix)], digest, size, notes)
    if suffix == ".pdf":
        raise IngestError(path, "not a PDF (no %PDF header): the file is corrupt or misnamed")
    if suffix == ".docx" or kind == "zip":
        what = _zip_trouble(data) if kind == "zip" else "not a zip archive"
        if suffix not in (".docx", ".txt", ".md", ".markdown"):
            raise IngestError(path, f"unsupported file type '{suffix or '(none)'}' ({what}): convert it to PDF, "
                                    "Word (.docx), HTML, .txt or .md")
        if suffix == ".docx":
            raise IngestError(path, f"not a Word document ({what}): the file is corrupt or misnamed; open it in "
                                    "Word and save it as .docx again")
    text, text_notes = _decode_text(path, data)
    if named == "html":
        text_notes.append("read as plain text (no HTML markup in it)")
    kind = "markdown" if suffix in (".md", ".markdown") else "text"
    return SourceDocument(path, kind, [text], digest, size, text_notes)


def _zip_trouble(data: bytes) -> str:
    import io
    import zipfile

    try:
        zipfile.ZipFile(io.BytesIO(data)).close()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "a damaged zip archive"
    return "a zip archive without word/document.xml: another Office format?"


def _readable_by_content(path: Path) -> bool:
    """A file with an unknown suffix whose first bytes say PDF, zip (Word?) or HTML: worth reading."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return formats.sniff(head) in ("pdf", "html") or head.startswith(b"PK\x03\x04")


def _docx_text(path: Path, data: bytes, max_bytes: int) -> str:
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = archive.getinfo("word/document.xml").file_size
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise IngestError(path, f"corrupt Word document ({type(exc).__name__}): open it in Word and save it "
                                "as .docx again") from exc
    if unpacked > MAX_UNPACK_RATIO * max_bytes:
        raise IngestError(path, f"Word document too large when unpacked ({unpacked / 1e6:.0f} MB of text markup): "
                                "split it or save it as PDF")
    try:
        text = formats.docx_markdown(data)
    except ValueError as exc:
        raise IngestError(path, f"corrupt Word document ({str(exc)[:80]}): open it in Word and save it as .docx "
                                "again") from exc
    if not text.strip():
        raise IngestError(path, "Word document has no text (only pictures or an empty page?): nothing to index")
    return text


def _html_text(path: Path, data: bytes, suffix: str) -> str:
    page = formats.html_document(data)
    title = f"'{page.title[:80]}'" if page.title else "untitled"
    if suffix in HTML_SUFFIXES:
        if not page.words:
            raise IngestError(path, f"web page ({title}) has no main text once navigation and banners are "
                                    "removed: save the document itself")
        return page.text
    if not page.holds_document:
        if suffix == ".pdf":
            raise IngestError(path, f"not a PDF: an HTML web page ({title}); save the report's PDF instead")
        raise IngestError(path, f"not a document: an HTML web page ({title}) with only {page.words} words of "
                                "text; save the document itself")
    return page.text


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


def _pdf_pages(path: Path, data: bytes, progress: Progress | None = None) -> tuple[list[str], list[int], list[str]]:
    """Pages' text, the 1-based pages read by OCR, and notes."""
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
    pages, ocr_pages, notes = _ocr_where_needed(path, data, pages, progress)
    chars = sum(len(p.strip()) for p in pages)
    if chars < MIN_CHARS_PER_PAGE * len(pages):
        if not ocr.available():
            raise IngestError(path, "no extractable text: looks scanned, OCR it first (e.g. 'ocrmypdf in.pdf "
                                    f"out.pdf') or {ocr.ENABLE_HINT}")
        failed = next((n for n in notes if n.startswith("OCR failed")), "")
        found = failed or "Tesseract found no words on its pages (blank pages or an unreadable scan?)"
        raise IngestError(path, f"no extractable text: looks scanned, OCR it first; {found}: re-scan it (300 dpi) "
                                "or OCR it with another tool (e.g. 'ocrmypdf in.pdf out.pdf')")
    return pages, ocr_pages, notes


def _pages_needing_ocr(data: bytes, pages: list[str]) -> list[int]:
    """1-based pages with no text layer, or with a sparse one on a page-sized picture (a scan)."""
    chars = [len(p.strip()) for p in pages]
    needed = [i + 1 for i, n in enumerate(chars) if n < MIN_CHARS_PER_PAGE]
    if any(MIN_CHARS_PER_PAGE <= n < SPARSE_PAGE_CHARS for n in chars):
        try:
            coverage = ocr.image_coverage(data)
        except Exception:  # pdfium refusing a file pypdf read: keep the text layer as it is
            coverage = []
        needed += [i + 1 for i, (n, share) in enumerate(zip(chars, coverage))
                   if MIN_CHARS_PER_PAGE <= n < SPARSE_PAGE_CHARS and share >= SCAN_COVERAGE]
    return sorted(needed)


def _ocr_where_needed(path: Path, data: bytes, pages: list[str],
                      progress: Progress | None) -> tuple[list[str], list[int], list[str]]:
    needed = _pages_needing_ocr(data, pages)
    if not needed:
        return pages, [], []
    if not ocr.available():
        one = len(needed) == 1
        verbs = ("has", "was") if one else ("have", "were")
        return pages, [], [f"{_page_list(needed)} {verbs[0]} no text layer and {verbs[1]} not OCR'd: {ocr.ENABLE_HINT}"]
    try:
        recognised = ocr.ocr_pdf_pages(data, needed, progress)
        failure = ""
    except Exception as exc:  # a damaged page image, a crashed or timed-out tesseract: keep what pypdf had
        recognised, failure = {}, f"OCR failed ({str(exc)[:80]})"
    pages = list(pages)
    used: list[int] = []
    for number, text in recognised.items():
        if len(text.split()) > len(pages[number - 1].split()):
            pages[number - 1] = text
            used.append(number)
    notes = [f"{_page_list(used)} read by OCR"] if used else []
    return pages, used, notes + ([failure] if failure else [])


def _page_list(numbers: list[int]) -> str:
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(map(str, numbers))


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
