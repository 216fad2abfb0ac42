"""Word and HTML documents, and files read by what their bytes are rather than by their names.

The sample documents' .docx/.html copies (data/sample_formats/, written by scripts/make_sample_formats.py) must
give exactly the chunks their .txt gives: same text, section and paragraph label.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from bad_files import ROOT, SAMPLE_DIR, SMALL_PDF, TEST_DATA

from ingest.formats import MIN_DOCUMENT_WORDS, docx_markdown, html_document, sniff
from ingest.loaders import IngestError, load_file
from ingest.pipeline import prepare_document
from ingest.structure import parse_blocks

FORMATS_DIR = ROOT / "data" / "sample_formats"
STEMS = sorted(p.stem for p in SAMPLE_DIR.glob("*.txt"))
SITE_PAGES = ("site-page-report-not-found.pdf", "site-page-no-main.pdf")
LIMIT = 50_000_000


@pytest.fixture(scope="module")
def count_tokens():
    from vectorstore import token_counter

    return token_counter()


def _chunks(path: Path, count_tokens):
    source = load_file(path, LIMIT)
    record, chunks, _ = prepare_document(source, {}, 256, count_tokens)
    return source, record, [(c.section, c.paragraph, c.text) for c in chunks]


@pytest.mark.parametrize("ext", ["docx", "html"])
@pytest.mark.parametrize("stem", STEMS)
def test_word_and_html_copies_give_the_text_files_chunks(stem, ext, count_tokens):
    _, base_record, expected = _chunks(SAMPLE_DIR / f"{stem}.txt", count_tokens)
    source, record, got = _chunks(FORMATS_DIR / f"{stem}.{ext}", count_tokens)
    assert source.file_type == ext and not source.paged and len(source.pages) == 1
    assert [text for _, _, text in got] == [text for _, _, text in expected]
    assert got == expected  # sections and paragraph numbers too
    assert (record.title, record.date, record.council, record.doc_type) == \
        (base_record.title, base_record.date, base_record.council, base_record.doc_type)


def test_committed_sample_formats_are_what_the_script_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_sample_formats", ROOT / "scripts" / "make_sample_formats.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for stem in STEMS:
        blocks = script.blocks_of(SAMPLE_DIR / f"{stem}.txt")
        script.write_docx(blocks, tmp_path / f"{stem}.docx")
        title = next((b.text for b in blocks if b.kind == "heading"), stem)
        script.write_html(blocks, title, tmp_path / f"{stem}.html")
        for ext in ("docx", "html"):
            assert (tmp_path / f"{stem}.{ext}").read_bytes() == (FORMATS_DIR / f"{stem}.{ext}").read_bytes(), \
                f"{stem}.{ext} is stale: run scripts/make_sample_formats.py"


def test_word_copies_number_paragraphs_automatically():
    """The fixtures exercise the numbering rebuild: their paragraph numbers are not in the document text."""
    data = (FORMATS_DIR / "southend-cabinet-report-ilacs-2019-09-17.docx").read_bytes()
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "<w:numId" in xml
    assert ">3.1 " not in xml and "Purpose of Report<" in xml and ">1. Purpose" not in xml
    text = docx_markdown(data)
    assert "\n## **1. Purpose of Report**\n" in text
    assert "\n3.11 The inspection report details" in text


# --- Word: a document built here, with each feature ---------------------------------------------------------------

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _numbering(doc, abstract_id: int, num_id: int, levels: list[tuple[str, str]], start_override: int | None = None):
    from docx.oxml import parse_xml

    lvls = "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
                   f"</w:lvl>" for i, (fmt, text) in enumerate(levels))
    numbering = doc.part.numbering_part.element
    numbering.insert(0, parse_xml(f'<w:abstractNum {W} w:abstractNumId="{abstract_id}">{lvls}</w:abstractNum>'))
    override = (f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start_override}"/></w:lvlOverride>'
                if start_override is not None else "")
    numbering.append(parse_xml(f'<w:num {W} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>'
                               f"{override}</w:num>"))


def _numbered(paragraph, num_id: int, ilvl: int = 0):
    from docx.oxml import parse_xml

    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return paragraph


def _with_footnotes(data: bytes, notes: list[str]) -> bytes:
    """The .docx with a footnotes part (python-docx cannot write one)."""
    body = "".join(f'<w:footnote w:id="{i}"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:footnote>'
                   for i, text in enumerate(notes, start=1))
    xml = (f'<w:footnotes {W}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
           f'</w:footnote>{body}</w:footnotes>')
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("word/footnotes.xml", xml)
    return out.getvalue()


def test_docx_headings_numbering_bullets_tables_and_footnotes():
    from docx import Document

    doc = Document()
    doc.add_paragraph("Report to the Children and Families Committee", style="Title")
    _numbering(doc, 90, 90, [("decimal", "%1."), ("decimal", "%1.%2")])
    _numbered(doc.add_paragraph("Purpose of Report", style="Heading 1"), 90, 0)
    _numbered(doc.add_paragraph("To update the committee on the action plan."), 90, 1)
    _numbered(doc.add_paragraph("To seek approval of the revised plan."), 90, 1)
    _numbered(doc.add_paragraph("Recommendations", style="Heading 1"), 90, 0)
    _numbered(doc.add_paragraph("That the committee notes the progress made."), 90, 1)
    doc.add_paragraph("The committee is recommended to:")
    _numbering(doc, 91, 91, [("lowerLetter", "(%1)")])
    _numbered(doc.add_paragraph("scrutinise the report;"), 91)
    _numbered(doc.add_paragraph("receive a further update."), 91)
    _numbering(doc, 92, 92, [("decimal", "%1.")], start_override=5)  # a list that starts at 5
    _numbered(doc.add_paragraph("Agree the budget."), 92)
    doc.add_paragraph("Inspectors found:", style="Heading 2")
    doc.add_paragraph("strong multi-agency working", style="List Bullet")  # numbering from the style
    doc.add_paragraph("Judgement summary", style="Heading 2")
    table = doc.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("Judgement", "Grade"), ("Overall effectiveness", "Good")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    empty = _numbered(doc.add_paragraph(""), 90, 1)  # an empty numbered paragraph still takes a number
    assert empty is not None
    _numbered(doc.add_paragraph("After an empty item."), 90, 1)
    buffer = io.BytesIO()
    doc.save(buffer)
    text = docx_markdown(_with_footnotes(buffer.getvalue(), ["Children Act 2004, section 20."]))
    blocks = text.rstrip("\n").split("\n\n")
    assert blocks[:6] == [
        "# **Report to the Children and Families Committee**",
        "# **1. Purpose of Report**",
        "1.1 To update the committee on the action plan.",
        "1.2 To seek approval of the revised plan.",
        "# **2. Recommendations**",
        "2.1 That the committee notes the progress made.",
    ]
    assert "(a) scrutinise the report;" in blocks and "(b) receive a further update." in blocks
    assert "5. Agree the budget." in blocks
    assert "- strong multi-agency working" in blocks
    assert "| Judgement | Grade |" in blocks and "| Overall effectiveness | Good |" in blocks
    assert "2.3 After an empty item." in blocks
    assert blocks[-1] == "____________\n1 Children Act 2004, section 20."
    parsed = parse_blocks([text])
    kinds = {(b.kind, b.label, b.text) for b in parsed}
    assert ("heading", "1", "Purpose of Report") in kinds
    assert ("numbered", "1.2", "To seek approval of the revised plan.") in kinds
    assert ("bullet", "", "strong multi-agency working") in kinds
    assert ("footnote", "1", "Children Act 2004, section 20.") in kinds
    # table rows are plain paragraphs, never headings
    assert all(b.kind == "para" for b in parsed if b.text.startswith("|"))


def test_docx_tracked_changes_and_fields_read_as_shown():
    from docx import Document
    from docx.oxml import parse_xml

    doc = Document()
    p = doc.add_paragraph("Kept ")
    p._p.append(parse_xml(f'<w:ins {W} w:id="1" w:author="a"><w:r><w:t>inserted</w:t></w:r></w:ins>'))
    p._p.append(parse_xml(f'<w:del {W} w:id="2" w:author="a"><w:r><w:delText> deleted</w:delText></w:r></w:del>'))
    p._p.append(parse_xml(f'<w:r {W}><w:instrText> PAGE </w:instrText></w:r>'))
    p._p.append(parse_xml(f'<w:r {W}><w:t xml:space="preserve"> text.</w:t></w:r>'))
    buffer = io.BytesIO()
    doc.save(buffer)
    assert docx_markdown(buffer.getvalue()).strip() == "Kept inserted text."


# --- HTML -------------------------------------------------------------------------------------------------------


def test_html_main_content_only():
    page = (FORMATS_DIR / "southend-jtai-inspection-letter-2018-05-09.html").read_bytes()
    doc = html_document(page)
    for furniture in ("cookie", "Bins, recycling", "Related documents", "Was this page useful", "Skip to main",
                      "Accessibility statement", "dataLayer", "Search this site"):
        assert furniture.lower() not in doc.text.lower(), furniture
    assert doc.text.startswith("9 May 2018") and doc.holds_document and doc.title.endswith("| Council website")


def test_html_without_main_element_reads_the_same(count_tokens, tmp_path):
    """Pages without semantic markup: the text-density pick finds the same content."""
    stem = "cheshire-east-committee-report-jtai-progress-2023-07-10"
    page = (FORMATS_DIR / f"{stem}.html").read_bytes()
    plain = page.replace(b"<main", b"<div").replace(b"</main>", b"</div>").replace(b'class="document"', b"")
    (tmp_path / f"{stem}.html").write_bytes(plain)
    assert _chunks(tmp_path / f"{stem}.html", count_tokens)[2] == _chunks(FORMATS_DIR / f"{stem}.html", count_tokens)[2]


def test_html_lists_tables_and_hidden_text():
    page = b"""<!doctype html><html><head><title>T</title></head><body><main>
      <h2>What needs to improve</h2>
      <ol start="4"><li>Planning for children.</li>
        <li>Oversight <b>by managers</b>.<ul><li>In audits</li></ul></li></ol>
      <ol type="a"><li>first item</li><li>second item</li></ol>
      <p>Address line one<br>Address line two</p>
      <table><tr><th>Judgement</th><th>Grade</th></tr><tr><td>Overall</td><td>Good</td></tr></table>
      <p hidden>Hidden text</p><div style="display:none">Also hidden</div><p aria-hidden="true">Icon</p>
    </main></body></html>"""
    text = html_document(page).text
    assert text.rstrip("\n").split("\n\n") == [
        "## **What needs to improve**", "4. Planning for children.", "5. Oversight by managers.", "  - In audits",
        "(a) first item", "(b) second item", "Address line one\nAddress line two",
        "| Judgement | Grade |", "| Overall | Good |",
    ]


# --- the type from the bytes ------------------------------------------------------------------------------------


def test_sniff():
    assert sniff(SMALL_PDF.read_bytes()) == "pdf"
    assert sniff((FORMATS_DIR / f"{STEMS[0]}.docx").read_bytes()) == "docx"
    assert sniff((FORMATS_DIR / f"{STEMS[0]}.html").read_bytes()) == "html"
    assert sniff(b"\xef\xbb\xbf  <!-- saved -->\n<HTML><body>x</body></HTML>") == "html"
    assert sniff(b"PK\x03\x04 not really a zip") == "zip"
    assert sniff(b"Report to Cabinet\n\n<html> in a sentence") == "text"


@pytest.mark.parametrize("name", SITE_PAGES)
def test_site_page_named_pdf_is_refused_with_its_title(name):
    with pytest.raises(IngestError) as excinfo:
        load_file(TEST_DATA / name, LIMIT)
    title = html_document((TEST_DATA / name).read_bytes()).title
    assert title and html_document((TEST_DATA / name).read_bytes()).words < MIN_DOCUMENT_WORDS
    assert excinfo.value.reason == f"not a PDF: an HTML web page ('{title}'); save the report's PDF instead"


def test_html_document_named_pdf_is_read_as_html(tmp_path):
    stem = STEMS[0]
    misnamed = tmp_path / f"{stem}.pdf"
    shutil.copy(FORMATS_DIR / f"{stem}.html", misnamed)
    source = load_file(misnamed, LIMIT)
    assert source.file_type == "html" and source.pages == load_file(FORMATS_DIR / f"{stem}.html", LIMIT).pages
    assert any("read as HTML" in note for note in source.notes)


def test_pdf_named_txt_and_word_named_pdf_are_read_by_content(tmp_path):
    as_txt = tmp_path / "report.txt"
    shutil.copy(SMALL_PDF, as_txt)
    source = load_file(as_txt, LIMIT)
    assert source.file_type == "pdf" and source.pages == load_file(SMALL_PDF, LIMIT).pages
    as_pdf = tmp_path / "letter.pdf"
    shutil.copy(FORMATS_DIR / f"{STEMS[0]}.docx", as_pdf)
    assert load_file(as_pdf, LIMIT).file_type == "docx"
    no_suffix = tmp_path / "download"
    shutil.copy(SMALL_PDF, no_suffix)
    assert load_file(no_suffix, LIMIT).file_type == "pdf"


def test_bad_word_files_and_other_zips(tmp_path):
    cases = {
        "fake.docx": (b"PK\x03\x04 pretend this is a Word file" * 10, "not a Word document (a damaged zip archive)"),
        "text.docx": (b"Just some text in a file called docx.\n", "not a Word document (not a zip archive)"),
        "sheet.xlsx": (None, "unsupported file type '.xlsx'"),
        "pictures.docx": (None, "Word document has no text"),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    cases["sheet.xlsx"] = (buffer.getvalue(), cases["sheet.xlsx"][1])
    from docx import Document

    empty = io.BytesIO()
    Document().save(empty)
    cases["pictures.docx"] = (empty.getvalue(), cases["pictures.docx"][1])
    for name, (data, reason) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(IngestError) as excinfo:
            load_file(tmp_path / name, LIMIT)
        assert reason in excinfo.value.reason, (name, excinfo.value.reason)


def test_plain_text_named_pdf_is_still_refused(tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_text("Report to Cabinet. " * 50, encoding="utf-8")
    with pytest.raises(IngestError, match=r"not a PDF \(no %PDF header\)"):
        load_file(path, LIMIT)


def test_html_name_on_plain_text_is_read_as_text(tmp_path):
    path = tmp_path / "notes.html"
    path.write_text("Report to Cabinet\n\n1.1 That Cabinet notes the report.\n", encoding="utf-8")
    source = load_file(path, LIMIT)
    assert source.file_type == "text" and source.pages == ["Report to Cabinet\n\n1.1 That Cabinet notes the report.\n"]
