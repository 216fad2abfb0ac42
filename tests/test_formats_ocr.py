"""Scanned PDFs are read by OCR (Tesseract), only on the pages that need it.

A real ILACS report (tests/data, with a text layer) is turned into the picture-only PDF a scanner makes, then
ingested: the words OCR recovers are compared with the original's text layer. The measure: the report's words
(NFKC, lower case, curly quotes as straight, runs of letters/digits) as a bag; recall = the share of that bag's
words that OCR's bag also holds (counted with multiplicity).

Needs Tesseract with English data: `make test` installs it (scripts/ensure_ocr.sh); without it these tests skip.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter

import pytest
from bad_files import REPORT_PDF, image_only_pdf, scanned_pdf

from ingest import ocr
from ingest.loaders import IngestError, load_file

LIMIT = 50_000_000
needs_tesseract = pytest.mark.skipif(not ocr.available(), reason="Tesseract with English data is not installed: "
                                     "run 'bash scripts/ensure_ocr.sh' (make test does)")


def words(text: str) -> Counter[str]:
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'").replace("\u2018", "'")
    return Counter(re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text))


def word_recall(original: str, recovered: str) -> float:
    want, got = words(original), words(recovered)
    return sum(min(n, got[w]) for w, n in want.items()) / max(1, sum(want.values()))


def test_word_recall_measure():
    assert word_recall("The cat sat. The cat!", "the CAT sat the") == pytest.approx(4 / 5)
    assert word_recall("children’s services", "children's services") == 1.0


@pytest.fixture(scope="module")
def scanned_report(tmp_path_factory):
    path = scanned_pdf(tmp_path_factory.mktemp("scan") / "scanned-report.pdf")
    original = load_file(REPORT_PDF, LIMIT)
    calls: list[tuple[int, int, str]] = []
    started = time.perf_counter()
    source = load_file(path, LIMIT, progress=lambda *a: calls.append(a))
    seconds = time.perf_counter() - started
    return original, source, calls, seconds


@needs_tesseract
def test_scanned_report_is_read_by_ocr(scanned_report):
    original, source, calls, seconds = scanned_report
    pages = len(original.pages)
    assert source.file_type == "pdf" and len(source.pages) == pages
    assert source.ocr_pages == list(range(1, pages + 1))
    recall = word_recall("\n".join(original.pages), "\n".join(source.pages))
    print(f"\nOCR: {pages} pages in {seconds:.1f} s ({pages / seconds:.2f} pages/s), word recall {recall:.4f}")
    assert recall >= 0.97
    assert calls[0] == (0, pages, "ocr") and calls[-1] == (pages, pages, "ocr") and len(calls) == pages + 1


@needs_tesseract
def test_ocr_pages_get_the_usual_structure(scanned_report):
    from ingest.pipeline import prepare_document
    from vectorstore import token_counter

    original, source, _, _ = scanned_report
    record, chunks, _ = prepare_document(source, {}, 256, token_counter())
    _, plain_chunks, _ = prepare_document(original, {}, 256, token_counter())
    assert record.pages == len(source.pages)
    assert all(c.page >= 1 for c in chunks)
    # The "What needs to improve" bullets (◼ glyphs, which OCR misreads) are found as items, and the report's
    # numbered paragraphs keep their numbers.
    improve = [c for c in chunks if c.section_kind == "improvement"]
    assert improve and any("return home interviews" in c.text for c in improve)
    numbered = {c.paragraph for c in chunks if re.fullmatch(r"\d+(?:–\d+)?", c.paragraph)}
    plain_numbered = {c.paragraph for c in plain_chunks if re.fullmatch(r"\d+(?:–\d+)?", c.paragraph)}
    assert len(numbered) >= 0.8 * len(plain_numbered) > 0
    assert record.title == prepare_document(original, {}, 256, token_counter())[0].title
    # What came from OCR says so, on the document and on every chunk (the UI tells the reader to check the page)
    assert record.ocr_pages == source.ocr_pages and all(c.ocr for c in chunks)
    assert not any(c.ocr for c in plain_chunks)


@needs_tesseract
def test_only_pages_without_text_are_ocrd(tmp_path):
    path = scanned_pdf(tmp_path / "partly-scanned.pdf", pages=[2, 5])
    original = load_file(REPORT_PDF, LIMIT)
    calls: list[tuple[int, int, str]] = []
    source = load_file(path, LIMIT, progress=lambda *a: calls.append(a))
    assert source.ocr_pages == [2, 5]
    assert calls[-1] == (2, 2, "ocr")
    for number, (before, after) in enumerate(zip(original.pages, source.pages), start=1):
        if number in (2, 5):
            assert word_recall(before, after) >= 0.97
        else:
            assert after == before  # the text layer is kept as it was
    assert any("pages 2, 5 read by OCR" in note for note in source.notes)


@needs_tesseract
def test_scan_with_no_words_says_so(tmp_path):
    with pytest.raises(IngestError) as excinfo:
        load_file(image_only_pdf(tmp_path / "bars.pdf", pages=2), LIMIT)
    assert excinfo.value.reason.startswith("no extractable text: looks scanned, OCR it first")
    assert "Tesseract found no words" in excinfo.value.reason


def test_without_tesseract_the_old_refusal_says_how_to_enable_ocr(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_command", lambda: None)
    with pytest.raises(IngestError) as excinfo:
        load_file(image_only_pdf(tmp_path / "scan.pdf"), LIMIT)
    reason = excinfo.value.reason
    assert reason.startswith("no extractable text: looks scanned, OCR it first (e.g. 'ocrmypdf in.pdf out.pdf')")
    assert "scripts/ensure_ocr.sh" in reason and "tesseract-ocr" in reason
    # a partly scanned file is still read from its text layer, with a note about the pages it could not read
    partly = load_file(scanned_pdf(tmp_path / "partly.pdf", pages=[3]), LIMIT)
    assert partly.ocr_pages == [] and partly.pages[2].strip() == ""
    assert any(note.startswith("page 3 has no text layer") for note in partly.notes)


def test_ocr_bullet_glyphs_become_bullets():
    text = "What needs to improve\n\nm@ The length of time\n™ The effectiveness\n© Crown copyright 2019\nend"
    assert ocr.tidy(text).split("\n") == ["What needs to improve", "", "\u2022 The length of time",
                                          "\u2022 The effectiveness", "© Crown copyright 2019", "end"]
