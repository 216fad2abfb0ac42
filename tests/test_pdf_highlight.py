"""Page rendering with the quoted sentence highlighted (assistant/pdf_highlight.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.pdf_highlight import PageOutOfRange, locate, render_highlight, split_quote, to_image_box

ROOT = Path(__file__).resolve().parent.parent
PDF = ROOT / "data" / "sample_pdf" / "southend-jtai-inspection-letter-2018-05-09.pdf"
QUOTE = "The conduct of MACE meetings lacks sufficient structure and rigour"


def yellow_pixels(image, box) -> int:
    import numpy as np

    pixels = np.asarray(image.crop(tuple(int(v) for v in box)).convert("RGB")).reshape(-1, 3).astype(int)
    r, g, b = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    return int(((r > 200) & (g > 180) & (b < 170)).sum())


def test_quote_found_and_highlighted() -> None:
    result = render_highlight(PDF, 9, QUOTE)
    assert result.found
    assert result.image.width > 0 and result.image.height > 0
    assert result.page == 9 and result.page_count == 15
    assert result.matched == QUOTE
    assert len(result.boxes) == 1
    x0, y0, x1, y1 = result.boxes[0]
    assert 0 <= x0 < x1 <= result.image.width and 0 <= y0 < y1 <= result.image.height
    assert y0 > result.image.height * 0.7  # the sentence is near the bottom of page 9
    assert yellow_pixels(result.image, result.boxes[0]) > 100


def test_quote_not_on_page() -> None:
    result = render_highlight(PDF, 9, "The weather in Norfolk was pleasant throughout the summer of 2021.")
    assert not result.found
    assert result.boxes == []
    assert result.image.width > 0


def test_whitespace_tolerant_across_line_breaks_and_full_sentence_highlighted() -> None:
    # On the page the sentence wraps after "rigour in"; the quote arrives with odd spacing from the index.
    quote = "The conduct of MACE  meetings lacks sufficient structure and rigour in\nconsidering the risks to " \
            "individual children."
    result = render_highlight(PDF, 9, quote, scale=1.0)
    assert result.found
    assert result.matched.endswith("individual children.")
    assert len(result.boxes) == 2  # two lines


def test_prefix_fallback_when_the_tail_differs() -> None:
    # The first words match the page, the rest was altered (e.g. by normalisation): still located by prefix.
    quote = "The conduct of MACE meetings lacks sufficient structure and rigour when deciding on XYZZY matters."
    result = render_highlight(PDF, 9, quote, scale=1.0)
    assert result.found
    assert result.matched.startswith("The conduct of MACE meetings lacks sufficient structure and rigour")
    assert "XYZZY" not in result.matched


def test_elided_quote_highlights_each_sentence() -> None:
    quote = f"{QUOTE} [...] sometimes lack relevant details"
    assert split_quote(quote) == [QUOTE, "sometimes lack relevant details"]
    result = render_highlight(PDF, 9, quote, scale=1.0)
    assert result.found and len(result.boxes) >= 2


def test_locate_returns_char_spans() -> None:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(PDF))
    try:
        textpage = doc[8].get_textpage()
        spans = locate(textpage, QUOTE)
        assert len(spans) == 1
        start, count = spans[0]
        assert textpage.get_text_range(start, count) == QUOTE
    finally:
        doc.close()


def test_bad_page_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PageOutOfRange):
        render_highlight(PDF, 99, QUOTE)
    with pytest.raises(FileNotFoundError):
        render_highlight(tmp_path / "nope.pdf", 1, QUOTE)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_rotated_pages_map_boxes_into_the_image(tmp_path: Path, rotation: int) -> None:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(PDF))
    doc[8].set_rotation(rotation)
    rotated = tmp_path / f"rot{rotation}.pdf"
    doc.save(str(rotated))
    doc.close()
    result = render_highlight(rotated, 9, QUOTE, scale=1.0)
    assert result.found and result.boxes
    w, h = result.image.size
    for x0, y0, x1, y1 in result.boxes:
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h


def test_to_image_box_unrotated() -> None:
    assert to_image_box((10, 700, 110, 712), (0, 0, 600, 800), 0, 2.0) == (20, 176, 220, 200)
