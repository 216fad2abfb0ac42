"""Makers of the bad input the product must refuse cleanly (corrupt, encrypted, scanned, blank PDFs; huge
files), and index readers shared by the ingest tests and the robustness suite.

Not a test module (no ``test_`` prefix). ``tests/conftest.py`` puts this folder on ``sys.path`` (pytest's default
"prepend" import mode), so any test module can ``from bad_files import ...``.
"""

from __future__ import annotations

import io
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
SAMPLE_PDF_DIR = ROOT / "data" / "sample_pdf"
SMALL_PDF = SAMPLE_PDF_DIR / "southend-cabinet-report-jtai-2018-06-19.pdf"
PRESS = "southend-press-release-jtai-2018-05-09.txt"
TEST_DATA = ROOT / "tests" / "data"
REPORT_PDF = TEST_DATA / "ilacs-report-2019.pdf"  # a real 10-page ILACS report with a text layer (OGL)


def garbage_pdf(path: Path) -> Path:
    """A ``.pdf`` name on bytes that are not a PDF at all."""
    path.write_bytes(b"\x13\x37 this is not a PDF at all \x00\xff" * 40)
    return path


def truncated_pdf(path: Path, fraction: float = 0.5, source: Path = SMALL_PDF) -> Path:
    """A real PDF cut off after ``fraction`` of its bytes (an interrupted download)."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def encrypted_pdf(path: Path, user_password: str, source: Path = SMALL_PDF, algorithm: str = "RC4-128") -> Path:
    """A real PDF encrypted with ``user_password`` ("" opens without a password, as many council PDFs do).
    ``algorithm``: "RC4-128", "AES-128" or "AES-256" (what current exporters write)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm=algorithm)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def image_only_pdf(path: Path, pages: int = 1) -> Path:
    """What a scanner without OCR produces: each page holds one picture and no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (600, 800), (250, 250, 245))
    draw = ImageDraw.Draw(picture)
    for y in range(60, 760, 28):  # grey bars that look like lines of print
        draw.rectangle((50, y, 550 - (y * 7) % 120, y + 12), fill=(60, 60, 60))
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.image(picture, x=10, y=10, w=190)
    pdf.output(str(path))
    return path


def scanned_pdf(path: Path, source: Path = REPORT_PDF, dpi: int = 200, pages: list[int] | None = None) -> Path:
    """``source`` as a scanner without OCR would give it back: every page (or only the 1-based ``pages``) a
    greyscale JPEG picture at ``dpi`` with no text layer; the other pages keep their text."""
    import pypdfium2 as pdfium
    from pypdf import PdfReader, PdfWriter

    document = pdfium.PdfDocument(source)
    wanted = pages or list(range(1, len(document) + 1))
    images = [document[n - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for n in wanted]
    document.close()
    scans = io.BytesIO()
    images[0].save(scans, format="PDF", save_all=True, append_images=images[1:], resolution=dpi, quality=75)
    scanned = dict(zip(wanted, PdfReader(scans).pages))
    writer = PdfWriter()
    for number, page in enumerate(PdfReader(source).pages, start=1):
        writer.add_page(scanned.get(number, page))
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def blank_pdf(path: Path, pages: int = 0) -> Path:
    """A valid PDF with no pages, or with blank ones."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(612, 792)
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def sparse_file(path: Path, size: int) -> Path:
    """A file that reports ``size`` bytes without taking the disk space (or the time to write it)."""
    with path.open("wb") as handle:
        handle.write(b"Inspectors found. ")
        handle.truncate(size)
    return path


def open_store(data_dir: Path):
    from assistant.config import Settings

    return Settings.from_env(data_dir=data_dir).open_store()


def chunk_ids(store) -> dict[str, set[str]]:
    """doc_id -> chunk ids, straight from the chunks collection."""
    got = store.chunks.get(include=["metadatas"])
    out: dict[str, set[str]] = {}
    for chunk_id, meta in zip(got["ids"], got["metadatas"]):
        out.setdefault(meta["doc_id"], set()).add(chunk_id)
    return out
