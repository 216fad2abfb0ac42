"""Structure, clean-up and chunking (no vector store, no model: only the tokenizer)."""

from __future__ import annotations

import re
import textwrap
from functools import cache
from pathlib import Path

import pytest

from domain.text import split_sentences
from ingest.chunking import chunk_blocks, embedding_prefix
from ingest.loaders import load_file
from ingest.normalize import clean_line, collapse_spaces, join_hyphenated, vocabulary
from ingest.pipeline import prepare_document
from ingest.structure import parse_blocks
from vectorstore import token_counter
from vectorstore.records import ChunkRecord

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
SAMPLE_PDF_DIR = ROOT / "data" / "sample_pdf"
LETTER = "southend-jtai-inspection-letter-2018-05-09"
CABINET_JTAI = "southend-cabinet-report-jtai-2018-06-19"
CABINET_ILACS = "southend-cabinet-report-ilacs-2019-09-17"
CHESHIRE = "cheshire-east-committee-report-jtai-progress-2023-07-10"
PRESS = "southend-press-release-jtai-2018-05-09"
TEXT_DOCS = sorted(p.name for p in SAMPLE_DIR.glob("*.txt"))
PDF_DOCS = sorted(p.name for p in SAMPLE_PDF_DIR.glob("*.pdf"))
MAX_TOKENS = 256
# A sentence is finished by . ! ? : ; possibly followed by closing quotes or brackets.
TERMINAL = re.compile(r"[.!?:;][\"'”’)\]]*$")


@cache
def count_tokens():
    return token_counter()


def prepared(name: str, folder: Path = SAMPLE_DIR) -> tuple:
    path = folder / name
    if not path.suffix:
        path = folder / f"{name}.txt"
    return _prepared(path)


@cache
def _prepared(path: Path) -> tuple:
    return prepare_document(load_file(path, 50_000_000), {}, MAX_TOKENS, count_tokens())


def chunks_of(name: str, folder: Path = SAMPLE_DIR) -> list[ChunkRecord]:
    return prepared(name, folder)[1]


def containing(chunks: list[ChunkRecord], phrase: str) -> list[ChunkRecord]:
    return [c for c in chunks if phrase in c.text]


def blocks_of(pages: list[str], paged: bool = False):
    return parse_blocks(pages, paged=paged)


# --- chunking on the sample documents ---------------------------------------------------------------------


def test_mace_bullet_is_one_chunk_in_areas_for_improvement():
    chunks = chunks_of(LETTER)
    start = "The conduct of MACE meetings lacks sufficient structure and rigour"
    middle = "sometimes lack relevant details, such as children’s ages, while agreed actions"
    end = "support best decision-making for vulnerable children and young people."
    hits = containing(chunks, start)
    assert len(hits) == 1, [c.id for c in hits]
    chunk = hits[0]
    assert middle in chunk.text and end in chunk.text  # the whole bullet, not a fragment of it
    assert containing(chunks, "such as children’s ages") == [chunk]
    assert chunk.text.startswith(start)
    assert chunk.section == "Areas for improvement"
    assert chunk.section_kind == "improvement"
    assert chunk.paragraph.startswith("bullet")


def test_letter_bullet_counts_match_what_the_cabinet_report_says():
    """The cabinet report: 'identifies 27 areas of strength' and '29 areas for improvement'."""
    source = load_file(SAMPLE_DIR / f"{LETTER}.txt", 50_000_000)
    counts: dict[str, int] = {}
    section = ""
    for block in blocks_of(source.pages):
        if block.kind == "heading":
            section = block.text
        elif block.kind == "bullet":
            counts[section] = counts.get(section, 0) + 1
    assert counts == {"Key Strengths": 27, "Areas for improvement": 29}


@pytest.mark.parametrize(
    ("doc", "phrase", "paragraphs"),
    [
        (CABINET_JTAI, "The letter identified 29 areas for improvement", {"3.9"}),
        (CABINET_JTAI, "There were no areas for immediate action identified", {"3.6"}),
        (CABINET_ILACS, "Ofsted undertook an ILACS full inspection", {"3.1"}),
        (CABINET_ILACS, "The inspection report details main areas for improvement", {"3.11"}),
        (CHESHIRE, "82% of the actions are now complete", {"4", "10"}),
        (CHESHIRE, "On 7 June 2023 a six-month review took place", {"9"}),
    ],
)
def test_numbered_paragraphs_carry_their_labels(doc, phrase, paragraphs):
    hits = containing(chunks_of(doc), phrase)
    assert {c.paragraph for c in hits} == paragraphs
    assert len(hits) == len(paragraphs)
    for chunk in hits:  # the label is metadata, not left glued to the text
        assert not re.match(r"^\d+(\.\d+)*\s", chunk.text)


def test_cabinet_report_sections():
    by_para = {c.paragraph: c for c in chunks_of(CABINET_JTAI)}
    assert by_para["3.9"].section == "Background"
    assert by_para["3.9"].section_kind == "background"
    assert by_para["2.1"].section == "Recommendations"
    assert by_para["2.1"].section_kind == "recommendations"
    assert by_para["1.1"].section_kind == "summary"


@pytest.mark.parametrize("folder_doc", [(SAMPLE_DIR, d) for d in TEXT_DOCS] + [(SAMPLE_PDF_DIR, d) for d in PDF_DOCS],
                         ids=lambda fd: fd[1])
def test_no_chunk_exceeds_the_embedding_window(folder_doc):
    folder, doc = folder_doc
    count = count_tokens()
    chunks = chunks_of(doc, folder)
    assert chunks
    for chunk in chunks:
        title = chunk.title or Path(chunk.source).stem
        n = count(embedding_prefix(title, chunk.section) + chunk.text)
        assert n <= MAX_TOKENS, (chunk.id, n)
        assert chunk.n_tokens == n, chunk.id


def test_tighter_window_is_respected():
    count = count_tokens()
    source = load_file(SAMPLE_DIR / f"{LETTER}.txt", 50_000_000)
    _, chunks, _ = prepare_document(source, {}, 96, count)
    for chunk in chunks:
        assert count(embedding_prefix(chunk.title, chunk.section) + chunk.text) <= 96, chunk.id


@pytest.mark.parametrize("doc", TEXT_DOCS)
def test_chunks_never_split_a_sentence(doc):
    source = load_file(SAMPLE_DIR / doc, 50_000_000)
    block_texts = [b.text for b in blocks_of(source.pages, source.paged)]
    for chunk in chunks_of(doc):
        for line in chunk.text.split("\n"):  # merged small blocks are joined by newlines
            assert any(line in b for b in block_texts), (chunk.id, line)
        for sentence in split_sentences(chunk.text):
            last_line = sentence.split("\n")[-1]
            at_block_end = any(b.endswith(last_line) for b in block_texts)
            assert TERMINAL.search(sentence) or at_block_end, (chunk.id, sentence[-80:])
        assert TERMINAL.search(chunk.text) or any(b.endswith(chunk.text.split("\n")[-1]) for b in block_texts)


def test_long_paragraph_is_split_only_at_sentence_ends():
    count = count_tokens()
    sentences = [f"Finding number {i} says that the partnership should improve its work with schools." for i in range(40)]
    blocks = blocks_of(["Areas for improvement\n\n" + "\n".join(textwrap.wrap(" ".join(sentences), 78)) + "\n"])
    chunks = chunk_blocks(blocks, "A letter", count, max_tokens=80)
    assert len(chunks) > 3
    assert [s for c in chunks for s in c.sentences] == sentences
    for chunk in chunks:
        assert chunk.section_kind == "improvement"
        assert count(embedding_prefix("A letter", chunk.section) + chunk.text) <= 80


def test_chunks_never_cross_a_heading():
    text = "Key Strengths\n\nLeaders are ambitious.\n\nAreas for improvement\n\nPlans are weak.\n"
    chunks = chunk_blocks(blocks_of([text]), "A letter", count_tokens())
    assert [(c.section, c.text) for c in chunks] == [
        ("Key Strengths", "Leaders are ambitious."),
        ("Areas for improvement", "Plans are weak."),
    ]
    assert [c.section_kind for c in chunks] == ["strengths", "improvement"]


def test_chunk_ids_are_stable_across_runs():
    path = SAMPLE_DIR / f"{LETTER}.txt"
    first = prepare_document(load_file(path, 50_000_000), {}, MAX_TOKENS, count_tokens())
    second = prepare_document(load_file(path, 50_000_000), {}, MAX_TOKENS, count_tokens())
    assert [c.id for c in first[1]] == [c.id for c in second[1]]
    assert [c.text for c in first[1]] == [c.text for c in second[1]]
    assert [s.id for s in first[2]] == [s.id for s in second[2]]
    assert first[0].content_hash == second[0].content_hash
    assert len({c.id for c in first[1]}) == len(first[1])


def test_chunk_ids_carry_the_document_version():
    path = SAMPLE_DIR / f"{PRESS}.txt"
    record, chunks, sentences = prepared(PRESS)
    for index, chunk in enumerate(chunks):
        assert chunk.id == f"{record.doc_id}-{record.content_hash[:10]}-{index:04d}"
        assert chunk.doc_hash == record.content_hash
        assert chunk.chunk_index == index
    assert {s.chunk_id for s in sentences} == {c.id for c in chunks}
    assert record.chunks == len(chunks)
    assert record.path == str(path.resolve())


def test_sentences_are_verbatim_substrings_of_their_chunks():
    _, chunks, sentences = prepared(LETTER)
    by_id = {c.id: c for c in chunks}
    for sentence in sentences:
        assert sentence.text in by_id[sentence.chunk_id].text


# --- clean-up on the sample letter ---------------------------------------------------------------------------


def test_letter_footnotes_are_in_a_footnotes_section():
    chunks = chunks_of(LETTER)
    notes = [c for c in chunks if c.section == "Footnotes"]
    assert [c.paragraph for c in notes] == ["footnote 1", "footnote 2"]
    assert all(c.section_kind == "footnotes" for c in notes)
    assert notes[0].text == "This joint inspection was conducted under section 20 of the Children Act 2004."
    assert chunks[-len(notes):] == notes  # moved to the end
    body = [c for c in chunks if c.section != "Footnotes"]
    assert not containing(body, "section 20 of the Children Act 2004")


def test_letter_footnote_markers_are_removed():
    chunks = chunks_of(LETTER)
    assert not containing(chunks, "Southend-on-Sea.1")
    assert containing(chunks, "young people in Southend-on-Sea. This inspection included")


def test_letter_private_use_bullets_and_hyphens():
    chunks = chunks_of(LETTER)
    assert not any(re.search("[\ue000-\uf8ff]", c.text) for c in chunks)
    assert containing(chunks, "further enhanced through co-location with MASH+")
    assert not containing(chunks, "colocation")
    assert containing(chunks, "information-sharing")
    assert not any("  " in c.text for c in chunks)


# --- normalisation units -------------------------------------------------------------------------------------


@pytest.mark.parametrize("glyph", ["\uf06e", "\uf0b7", "•", "\uf0a7"])
def test_bullet_glyphs_become_item_starts(glyph):
    assert clean_line(f"{glyph} Strong leadership") == "\n• Strong leadership"
    assert [p.strip() for p in clean_line(f"Some text {glyph} Next item").split("\n")] == ["Some text", "• Next item"]


def test_private_use_bullets_make_bullet_blocks():
    text = ("Key Strengths\n\n\uf06e The first point is here.\n\n\uf0b7 The second point\ncontinues here.\n\n"
            "• The third point.\n")
    blocks = blocks_of([text])
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "Key Strengths"),
        ("bullet", "The first point is here."),
        ("bullet", "The second point continues here."),
        ("bullet", "The third point."),
    ]


def test_bullet_continued_after_blank_line_stays_one_block():
    text = "Areas for improvement\n\n\uf06e The conduct of meetings lacks\n\nstructure and rigour.\n\n\uf06e Next one.\n"
    blocks = blocks_of([text])
    assert [b.text for b in blocks if b.kind == "bullet"] == [
        "The conduct of meetings lacks structure and rigour.", "Next one."]


def test_ligatures_are_expanded():
    assert clean_line("ﬁndings ﬂow ﬀ ﬃ ﬄ") == "findings flow ff ffi ffl"
    assert clean_line("soft\u00adhyphen and\u00a0nbsp") == "softhyphen and nbsp"


def test_hyphenated_line_break_is_joined_when_the_word_exists_elsewhere():
    blocks = blocks_of(["The informa-\ntion was shared. Further information was sought.\n"])
    assert blocks[0].text == "The information was shared. Further information was sought."


def test_real_hyphen_at_line_break_is_kept():
    assert blocks_of(["The co-\nlocation of teams helps.\n"])[0].text == "The co-location of teams helps."
    # without evidence that the joined word exists, the hyphen stays
    assert blocks_of(["The informa-\ntion was shared.\n"])[0].text == "The informa-tion was shared."


def test_join_hyphenated_skips_blank_lines():
    lines = ["the informa-", "", "tion flows", "information"]
    assert join_hyphenated(lines, vocabulary(" ".join(lines)))[:3] == ["the information flows", "", ""]


def test_html_superscripts_are_removed():
    assert clean_line("19<sup>th</sup> June 2018") == "19th June 2018"
    assert blocks_of(["We met on 19<sup>th</sup> June 2018 to agree.\n"])[0].text == "We met on 19th June 2018 to agree."


def test_markdown_emphasis_and_links_are_stripped():
    assert clean_line("**Bold** and [link](#) and *em*") == "Bold and link and em"
    assert blocks_of(["See the **inspection** [letter](#) now.\n"])[0].text == "See the inspection letter now."


def test_footnote_markers_are_removed():
    assert clean_line("young people in Southend-on-Sea.1 This inspection") == \
        "young people in Southend-on-Sea. This inspection"
    assert clean_line("across agencies2. Next") == "across agencies. Next"


@pytest.mark.parametrize("text", ["section 20 of the Children Act 2004.", "see paragraph 3.9 of the report",
                                  "There were 29 areas.", "aged 14 to 17, in 2018. Then"])
def test_numbers_that_are_not_footnote_markers_are_kept(text):
    assert clean_line(text) == text


def test_runs_of_spaces_are_collapsed():
    assert collapse_spaces("  many    spaces\t here  ") == "many spaces here"
    blocks = blocks_of(["3.6 There  were  no  areas  for  immediate  action  identified.\n"])
    assert blocks[0].text == "There were no areas for immediate action identified."


def test_markdown_headings_and_numbered_items():
    text = "# **Southend-on-Sea Borough Council**\n\n## 3. Background\n\n- 3.9 The letter identified 29 areas.\n"
    blocks = blocks_of([text])
    assert [(b.kind, b.label, b.text) for b in blocks] == [
        ("heading", "", "Southend-on-Sea Borough Council"),
        ("heading", "3", "Background"),
        ("numbered", "3.9", "The letter identified 29 areas."),
    ]


def test_split_sentences_keeps_abbreviations_and_decimals():
    text = "Agencies, e.g. the police, attend. See para 3.9 of the report. The rate was 3.9 per cent. Next, i.e. now."
    assert split_sentences(text) == [
        "Agencies, e.g. the police, attend.",
        "See para 3.9 of the report.",
        "The rate was 3.9 per cent.",
        "Next, i.e. now.",
    ]


def test_split_sentences_returns_verbatim_substrings():
    text = "The letter identified 29 areas for improvement across the partnership. Of these 9 relate to the Council."
    parts = split_sentences(text)
    assert parts == ["The letter identified 29 areas for improvement across the partnership.",
                     "Of these 9 relate to the Council."]
    assert all(p in text for p in parts)


# --- bugs found while writing these tests ---------------------------------------------------------------------


def test_numbered_lines_without_blank_lines_are_separate_paragraphs():
    text = ("3. Background\n3.1 The first paragraph text is here.\n3.2 The second paragraph text is here.\n"
            "4. Other Options\n4.1 We are required to submit a plan.\n")
    blocks = blocks_of([text], paged=True)
    assert [(b.kind, b.label, b.text) for b in blocks] == [
        ("heading", "3", "Background"),
        ("numbered", "3.1", "The first paragraph text is here."),
        ("numbered", "3.2", "The second paragraph text is here."),
        ("heading", "4", "Other Options"),
        ("numbered", "4.1", "We are required to submit a plan."),
    ]


def test_split_pieces_carry_their_own_pages():
    first = " ".join(f"Sentence {i} on the first page describes the partnership work in detail." for i in range(12))
    second = " ".join(f"Sentence {i} on the second page describes the inspection findings." for i in range(12))
    pages = ["\n".join(textwrap.wrap(first, 80)), "\n".join(textwrap.wrap(second, 80))]
    chunks = chunk_blocks(blocks_of(pages, paged=True), "Title", count_tokens(), max_tokens=128)
    assert len(chunks) >= 3
    for chunk in chunks:
        on_first, on_second = "first page" in chunk.text, "second page" in chunk.text
        assert chunk.page == (1 if on_first else 2), chunk.text[:60]
        assert chunk.page_end == (2 if on_second else 1), chunk.text[:60]


def test_leading_date_line_is_not_a_paragraph_number():
    blocks = blocks_of(["9 May 2018\nSimon Leftley, Deputy Chief Executive\nSouthend-on-Sea Borough Council\n\n"
                        "Dear local partnership,\n"], paged=True)
    assert blocks[0].label == ""
    assert blocks[0].text.startswith("9 May 2018")
