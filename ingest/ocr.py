"""OCR for PDF pages without a text layer: render with pypdfium2, recognise with Tesseract, offline.

Tesseract (Debian ``tesseract-ocr`` + ``tesseract-ocr-eng``; ``scripts/ensure_ocr.sh`` installs them) was chosen
over EasyOCR on a 10-page ILACS report scanned at 200 dpi, on a shared (loaded) 2-core machine: Tesseract read
0.35-0.5 pages/s (one thread, 300 dpi) and recovered 99.6-99.7 % of the words; EasyOCR recovered 100 % of 3
pages but at 0.015 pages/s (about 67 s a page, two threads), needs torchvision (whose PyPI build for our CPU
torch does not load) and ~100 MB of weights. Tesseract runs as a subprocess with one OpenMP thread: its default
threading made it five times *slower* on the loaded 2-core machine.
"""

from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
from collections.abc import Callable

#: Pages are rendered at this resolution for recognition (Tesseract's sweet spot for body text).
OCR_DPI = 300
#: Give up on one page after this long (a pathological page must not stall an ingest).
PAGE_TIMEOUT_S = 180
LANGUAGE = "eng"
#: Tesseract's page segmentation mode 6, "one uniform block of text": lines are read right across the page,
#: so a hanging paragraph number ("6.  The majority of…") stays on its line, as in a text layer. The automatic
#: mode (3) read the number column as a block of its own: on the test report 11 of 36 numbered paragraphs kept
#: their numbers, against 34 with mode 6 (word recall 99.6 % and 99.7 %). The cost: a two-column page is read
#: across both columns.
PAGE_SEGMENTATION = "6"
ENABLE_HINT = ("install Tesseract to have it done on ingest ('bash scripts/ensure_ocr.sh', or "
               "'apt-get install tesseract-ocr tesseract-ocr-eng')")

#: ``progress(done, total, stage)``: called with (0, n, "ocr") before the first page and after each page.
Progress = Callable[[int, int, str], None]


@functools.cache
def tesseract_command() -> str | None:
    """The tesseract executable if it is installed with English data, else None."""
    exe = shutil.which("tesseract")
    if not exe:
        return None
    try:
        listed = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    langs = (listed.stdout + listed.stderr).split()
    return exe if LANGUAGE in langs else None


def available() -> bool:
    return tesseract_command() is not None


def recognise(image) -> str:
    """Text of one PIL image. Raises ``RuntimeError`` when Tesseract fails or is missing."""
    exe = tesseract_command()
    if exe is None:
        raise RuntimeError(f"OCR is not available: {ENABLE_HINT}")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run([exe, "stdin", "stdout", "-l", LANGUAGE, "--psm", PAGE_SEGMENTATION],
                              input=buffer.getvalue(), capture_output=True, timeout=PAGE_TIMEOUT_S, env=env)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"OCR took longer than {PAGE_TIMEOUT_S} s on one page") from exc
    if done.returncode != 0:
        raise RuntimeError(f"tesseract failed: {done.stderr.decode(errors='replace').strip()[:120]}")
    return tidy(done.stdout.decode("utf-8", errors="replace").replace("\f", ""))


# Tesseract reads bullet glyphs (◼ ● ▪ •) as a symbol or two, often after a stray letter: "m@", "m™", "™",
# "@", "«", "e", "o" (not "©": that is a copyright line). At the start of a line, before a capitalised word,
# they are a bullet.
_OCR_BULLET = re.compile(r"^[ \t]*(?:[a-z]?[^\w\s©®\"'‘’“”(\[]{1,2}|[eo])[ \t]+(?=[A-Z])", re.M)


def tidy(text: str) -> str:
    """Recognised text with bullet look-alikes made the bullet the structure parser knows, as on a page with
    a text layer."""
    from ingest.normalize import BULLET_MARK

    return _OCR_BULLET.sub(BULLET_MARK + " ", text)


def render_page(pdf, index: int, dpi: int = OCR_DPI):
    """Page ``index`` (0-based) of an open ``pypdfium2.PdfDocument`` as a greyscale PIL image."""
    page = pdf[index]
    try:
        return page.render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        page.close()


def ocr_pdf_pages(data: bytes, numbers: list[int], progress: Progress | None = None) -> dict[int, str]:
    """Recognised text of the given 1-based page numbers of the PDF in ``data``."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    out: dict[int, str] = {}
    try:
        if progress:
            progress(0, len(numbers), "ocr")
        for done, number in enumerate(numbers, start=1):
            out[number] = recognise(render_page(pdf, number - 1))
            if progress:
                progress(done, len(numbers), "ocr")
    finally:
        pdf.close()
    return out


def image_coverage(data: bytes) -> list[float]:
    """Per page, the share of the page area covered by images (a scan is one page-sized image)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(data)
    shares: list[float] = []
    try:
        for page in pdf:
            width, height = page.get_size()
            area = 0.0
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
                left, bottom, right, top = obj.get_pos()
                area += max(0.0, min(right, width) - max(left, 0)) * max(0.0, min(top, height) - max(bottom, 0))
            shares.append(min(1.0, area / (width * height)) if width and height else 0.0)
            page.close()
    finally:
        pdf.close()
    return shares
