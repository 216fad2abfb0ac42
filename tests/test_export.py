"""Markdown / Word export and the safe-display helpers (assistant/export.py)."""

from __future__ import annotations

import io
import re

import pytest

from assistant.export import (
    NO_COVERAGE,
    answer_docx,
    answer_markdown,
    answer_paragraphs,
    conversation_docx,
    conversation_markdown,
    describe_filters,
    escape_markdown,
    file_stem,
    highlighted_markdown,
    quote_spans,
    reference_line,
    source_label,
    split_lead,
)
from assistant.types import Answer, Citation, Passage
from domain.facets import Filters
from vectorstore import ChunkRecord

MACE = "The conduct of MACE meetings lacks sufficient structure and rigour in considering the risks to individual children."
PASSAGE = f"Some context first. {MACE} This is also mirrored in the minutes of meetings."


def citation(n: int = 1, quote: str = MACE, text: str = PASSAGE, **kw) -> Citation:
    values = dict(n=n, chunk_id=f"c{n}", source="southend-jtai-inspection-letter-2018-05-09.pdf",
                  path="/nowhere/letter.pdf", title="Joint targeted area inspection in Southend-on-Sea",
                  date="2018-05-09", council="Southend-on-Sea", doc_type="inspection letter",
                  section="Areas for improvement", section_kind="improvement", paragraph="bullet 7", page=9,
                  text=text, quote=quote)
    values.update(kw)
    return Citation(**values)


def answer(**kw) -> Answer:
    values = dict(question="What did inspectors say about MACE meetings?", text=f"{MACE[:-1]} [1].",
                  abstained=False, citations=[citation()])
    values.update(kw)
    return Answer(**values)


def docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


# -- escaping ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [
    "<script>alert('x')</script>", "[links](http://evil.example)", "$E = mc^2$", "**bold** _it_ `code`",
    "# heading", "1. item", "- item", "a | b | c", ":red[colour] :smile:", "~~strike~~", "&amp; entity", "a\\b",
    "![img](x.png)", "{curly} (round) +plus !bang >quote",
])
def test_escape_markdown_neutralises_syntax(raw: str) -> None:
    escaped = escape_markdown(raw)
    # every Markdown-significant character is backslash-escaped; unescaping gives back the text
    assert re.sub(r"\\(.)", r"\1", escaped) == raw
    for ch in "<>[]()$*_`#|~&!:{}+":
        assert ch not in re.sub(r"\\.", "", escaped), (ch, escaped)


def test_escape_markdown_flattens_lines() -> None:
    assert escape_markdown("one\n\n  two\nthree") == "one two three"
    assert escape_markdown("") == ""


def test_highlighted_markdown_bolds_only_the_quote() -> None:
    md = highlighted_markdown(PASSAGE, MACE)
    assert md.startswith("Some context first\\. **The conduct of MACE")
    assert md.count("**") == 2
    assert md.endswith("minutes of meetings\\.")


def test_quote_spans_whitespace_tolerant_and_elided() -> None:
    text = "A first.  The conduct\nof MACE meetings lacks rigour. Middle. Last one here."
    spans = quote_spans(text, "The conduct of MACE meetings lacks rigour. [...] Last one here.")
    assert [q for _, q in spans] == [False, True, False, True]
    assert spans[1][0] == "The conduct\nof MACE meetings lacks rigour."
    assert quote_spans("no match here", "something else") == [("no match here", False)]


def test_highlighted_markdown_escapes_document_content() -> None:
    text = "Intro <script>x</script>. Pay $5 to [me](http://x). End."
    md = highlighted_markdown(text, "Pay $5 to [me](http://x).")
    assert "<script>" not in md and "\\<script\\>" in md
    assert "**Pay \\$5 to \\[me\\]\\(http://x\\)\\.**" in md.replace("http\\:", "http:")


# -- labels and references --------------------------------------------------------------------------------
def test_source_label_and_reference_line() -> None:
    c = citation()
    assert source_label(c) == ("[1] Joint targeted area inspection in Southend-on-Sea — 2018-05-09 — Southend-on-Sea — "
                               "Areas for improvement, bullet 7, p. 9")
    line = reference_line(c)
    assert line.startswith("[1] Joint targeted area inspection in Southend-on-Sea (2018-05-09), Areas for improvement, ")
    assert "p. 9" in line and line.endswith(f'— "{MACE}"')


def test_describe_filters() -> None:
    assert describe_filters(None) == "" and describe_filters(Filters()) == ""
    text = describe_filters(Filters(council="Cheshire East", year_from=2020, section="improvement"))
    assert "council: Cheshire East" in text and "2020" in text and "section: improvement" in text


def test_answer_paragraphs_split_groups() -> None:
    a = answer(text="Inspectors found strengths: Good [1].\n\nAreas for improvement: Bad [2].",
               groups={"strengths": [0], "improvement": [1]})
    assert answer_paragraphs(a) == ["Inspectors found strengths: Good [1].", "Areas for improvement: Bad [2]."]
    assert split_lead(answer_paragraphs(a)[1]) == ("Areas for improvement:", "Bad [2].")
    assert split_lead("Areas for improvement: x", grouped=False) == ("", "Areas for improvement: x")
    md = answer_markdown(a)
    assert "**Inspectors found strengths:** Good [1]." in md and "**Areas for improvement:** Bad [2]." in md
    from docx import Document

    runs = [r for p in Document(io.BytesIO(answer_docx(a))).paragraphs for r in p.runs]
    assert any(r.bold and r.text.startswith("Areas for improvement:") for r in runs)


# -- Markdown ---------------------------------------------------------------------------------------------
def test_answer_markdown_layout() -> None:
    md = answer_markdown(answer(), Filters(council="Southend-on-Sea"))
    lines = md.splitlines()
    assert lines[0] == "## What did inspectors say about MACE meetings?"
    assert "_Filters: council: Southend-on-Sea_" in md
    assert f"{MACE[:-1]} [1]." in md
    assert "### References" in md
    ref = next(line for line in lines if line.startswith("[1] "))
    assert "(2018-05-09)" in ref and "Areas for improvement" in ref and "bullet 7" in ref and "p. 9" in ref
    assert f'"{MACE}"' in ref


def test_abstention_markdown_lists_closest_passages() -> None:
    chunk = ChunkRecord(id="x", text="Norfolk is not in the index at all. " * 20, doc_id="d", doc_hash="h",
                        source="a.txt", path="/a.txt", title="Some report", date="2019-01-01", council="Essex")
    a = Answer(question="What did inspectors find in Norfolk in 2021?", text="", abstained=True,
               passages=[Passage(chunk=chunk)] * 8)
    md = answer_markdown(a)
    assert NO_COVERAGE in md and "### Closest passages" in md
    assert "1. Some report — 2019-01-01 — Essex" in md
    assert "5. Some report" in md and "6. Some report" not in md  # at most five
    assert "References" not in md


def test_conversation_markdown_numbers_questions() -> None:
    second = answer(question="And the minutes?")
    md = conversation_markdown([answer(), (second, Filters(council="Southend-on-Sea"))])
    assert md.startswith("# Inspection assistant")
    assert "## 1. What did inspectors say about MACE meetings?" in md
    assert "## 2. And the minutes?" in md
    assert md.count("### References") == 2


# -- Word -------------------------------------------------------------------------------------------------
def test_answer_docx_opens_and_contains_the_citation() -> None:
    data = answer_docx(answer(), Filters(council="Southend-on-Sea"))
    assert data[:2] == b"PK"
    text = docx_text(data)
    assert "What did inspectors say about MACE meetings?" in text
    assert "References" in text
    assert "[1] Joint targeted area inspection in Southend-on-Sea (2018-05-09)" in text
    assert MACE in text
    assert "Filters: council: Southend-on-Sea" in text


def test_docx_survives_control_characters_and_markup() -> None:
    nasty = "Bad \x00 char \x0b here <script>alert(1)</script> [x](y) $z$."
    a = answer(text=f"{nasty} [1].", citations=[citation(quote=nasty, text=nasty)])
    text = docx_text(conversation_docx([a, a]))
    assert "<script>alert(1)</script> [x](y) $z$" in text
    assert "\x00" not in text


def test_conversation_docx_and_abstention() -> None:
    abstained = Answer(question="Norfolk?", text="", abstained=True)
    text = docx_text(conversation_docx([answer(), abstained]))
    assert "1. What did inspectors say about MACE meetings?" in text
    assert "2. Norfolk?" in text
    assert NO_COVERAGE in text


def test_file_stem() -> None:
    assert file_stem("What did inspectors say about MACE meetings?") == "what-did-inspectors-say-about-mace-meetings"
    assert file_stem("???") == "answer"
    assert len(file_stem("word " * 40)) <= 50


# -- with the real assistant ------------------------------------------------------------------------------
@pytest.mark.slow
def test_export_of_a_real_answer(assistant) -> None:
    real = assistant.ask("what did inspectors say about MACE meetings?")
    assert real.citations
    md = answer_markdown(real)
    text = docx_text(answer_docx(real))
    for c in real.citations:
        quote = " ".join(c.quote.split())
        assert f"[{c.n}] {c.reference()}" in md and quote in md
        assert quote in text
