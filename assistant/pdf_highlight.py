"""Render one PDF page as an image with a quoted sentence highlighted, so a reader can see it in place.

The quote comes from the index (normalised text), the page from the original PDF, so the two can differ in
line breaks, hyphenation and the odd character. Locating is therefore tolerant:

1. PDFium's own text search (``PdfTextPage.search``, which already matches across line breaks) for the
   whole quote, then for shorter and shorter prefixes of it (8, 6, 4, 3 words);
2. from where a prefix matched, the match is extended over the page's characters for as long as they
   follow the quote, ignoring whitespace and end-of-line hyphens, so the whole sentence is highlighted;
3. a quote made of several sentences joined with " [...] " is located sentence by sentence.

The highlight is translucent yellow rectangles (PDFium's text rectangles, one per line) drawn with PIL.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

HIGHLIGHT_RGBA = (255, 221, 0, 105)  # translucent yellow
OUTLINE_RGBA = (230, 160, 0, 200)
PREFIX_WORDS = (8, 6, 4, 3)
ELISION = " [...] "
_EQUIVALENT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
                             "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u2022": " "})


@dataclass
class PageHighlight:
    image: Image.Image  # RGB
    found: bool  # whether (at least the start of) the quote was located on the page
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)  # image pixels: x0, y0, x1, y1
    matched: str = ""  # the page text that was highlighted
    page: int = 0  # 1-based
    page_count: int = 0


class PageOutOfRange(ValueError):
    pass


def render_highlight(pdf_path: str | Path, page: int, quote: str, scale: float = 1.5) -> PageHighlight:
    """Render ``page`` (1-based) of ``pdf_path`` at ``scale`` (1.0 = 72 dpi) with ``quote`` highlighted.

    Raises ``FileNotFoundError`` for a missing file, ``PageOutOfRange`` for a bad page number and
    ``pypdfium2.PdfiumError`` for a file PDFium cannot open.
    """
    import pypdfium2 as pdfium

    path = Path(pdf_path)
    if not path.is_file():
        raise FileNotFoundError(f"PDF not found: {path}")
    doc = pdfium.PdfDocument(str(path))
    try:
        count = len(doc)
        if not 1 <= int(page) <= count:
            raise PageOutOfRange(f"page {page} is outside 1..{count} of {path.name}")
        pdf_page = doc[int(page) - 1]
        try:
            image = pdf_page.render(scale=scale).to_pil().convert("RGB")
            textpage = pdf_page.get_textpage()
            try:
                spans = locate(textpage, quote)
                rects = _rects(textpage, spans)
                matched = " ".join(textpage.get_text_range(start, length) for start, length in spans)
            finally:
                textpage.close()
            bbox = pdf_page.get_bbox()  # the effective crop box (inheritance-aware, unlike get_cropbox)
            rotation = pdf_page.get_rotation()
        finally:
            pdf_page.close()
    finally:
        doc.close()
    boxes = [to_image_box(r, bbox, rotation, scale) for r in rects]
    if boxes:
        image = draw_boxes(image, boxes)
    return PageHighlight(image=image, found=bool(spans), boxes=boxes, matched=" ".join(matched.split()),
                         page=int(page), page_count=count)


def to_image_box(rect: tuple[float, float, float, float], bbox: tuple[float, float, float, float], rotation: int,
                 scale: float) -> tuple[float, float, float, float]:
    """PDF user-space rectangle (origin bottom left) -> pixel box of the rendered (possibly rotated) page."""
    x0, y0, x1, y1 = rect
    left, bottom, right, top = bbox
    if rotation == 90:
        box = (y0 - bottom, x0 - left, y1 - bottom, x1 - left)
    elif rotation == 180:
        box = (right - x1, y0 - bottom, right - x0, y1 - bottom)
    elif rotation == 270:
        box = (top - y1, right - x1, top - y0, right - x0)
    else:
        box = (x0 - left, top - y1, x1 - left, top - y0)
    return tuple(v * scale for v in box)  # type: ignore[return-value]


def draw_boxes(image: Image.Image, boxes: list[tuple[float, float, float, float]], pad: float = 2.0) -> Image.Image:
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for x0, y0, x1, y1 in boxes:
        draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), fill=HIGHLIGHT_RGBA, outline=OUTLINE_RGBA)
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


def locate(textpage, quote: str) -> list[tuple[int, int]]:  # noqa: ANN001 - a pypdfium2 PdfTextPage
    """Character spans (start index, count) of ``quote`` on the page; empty when not found."""
    spans: list[tuple[int, int]] = []
    page_text = _page_text(textpage)
    for part in split_quote(quote):
        span = _locate_part(textpage, page_text, part)
        if span:
            spans.append(span)
    return spans


def split_quote(quote: str) -> list[str]:
    parts = [" ".join(p.split()) for p in (quote or "").split(ELISION.strip())]
    return [p for p in parts if len(p) >= 3]


def _page_text(textpage) -> str | None:  # noqa: ANN001
    """The page's characters as one string, or None when its indexes don't line up with char indexes."""
    try:
        text = textpage.get_text_range()
    except Exception:
        return None
    return text if len(text) == textpage.count_chars() else None


def _locate_part(textpage, page_text: str | None, part: str) -> tuple[int, int] | None:  # noqa: ANN001
    words = part.split()
    candidates = [part] + [" ".join(words[:n]) for n in PREFIX_WORDS if n < len(words)]
    variants = []
    for c in candidates:
        variants.append(c)
        folded = c.translate(_EQUIVALENT)
        if folded != c:
            variants.append(folded)
        curly = c.replace("'", "\u2019")
        if curly != c:
            variants.append(curly)
    for needle in variants:
        if len(needle) < 8 and needle != part:
            continue  # a 3-word prefix like "It is a" would match anywhere
        hit = _search(textpage, needle)
        if hit is None:
            continue
        start, count = hit
        if page_text is not None:
            end = _extend(page_text, start, part)
            count = max(count, end - start)
        return start, count
    return None


def _search(textpage, needle: str) -> tuple[int, int] | None:  # noqa: ANN001
    searcher = textpage.search(needle, match_case=False, match_whole_word=False)
    try:
        return searcher.get_next()
    finally:
        searcher.close()


def _fold(ch: str) -> str:
    ch = ch.translate(_EQUIVALENT)
    return unicodedata.normalize("NFKC", ch).lower()


def _extend(page_text: str, start: int, part: str) -> int:
    """End index (exclusive) of the longest stretch from ``start`` that spells ``part`` ignoring whitespace."""
    target = "".join(_fold(c) for c in part if not c.isspace())
    i, j, end = start, 0, start
    n = len(page_text)
    while i < n and j < len(target):
        ch = page_text[i]
        if ch.isspace() or ch in "\x00\ufffe\x02":
            i += 1
            continue
        folded = _fold(ch)
        if not folded.strip():
            i += 1
            continue
        if target.startswith(folded, j):
            j += len(folded)
            i += 1
            end = i
            continue
        # "informa-\r\ntion" on the page, "information" in the quote
        if ch in "-\u00ad" and re.match(r"[-\u00ad]\s+", page_text[i:i + 4]):
            i += 1
            continue
        break
    return end


def _rects(textpage, spans: list[tuple[int, int]]) -> list[tuple[float, float, float, float]]:  # noqa: ANN001
    rects: list[tuple[float, float, float, float]] = []
    for start, count in spans:
        for k in range(textpage.count_rects(start, count)):
            x0, y0, x1, y1 = textpage.get_rect(k)
            if x1 - x0 > 0.5 and y1 - y0 > 0.5:
                rects.append((x0, y0, x1, y1))
    return rects
