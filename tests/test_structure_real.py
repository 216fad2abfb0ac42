"""Structure of the real Ofsted reports in data/real_ci: what ingest stores of each (prepare_document, no embedding).

Per file: no chunk holds a running header or footer (eval.structure_check's ground truth, found independently
of ingest/furniture.py), every chunk has a section, and an ILACS or SIF report's judgement sections carry the
grades ingest.report_fields read from its judgement table. Page texts are cached in pytest's cache folder
(keyed by each file's SHA-256): pypdf takes ~25 s over the 27 files, a cached run a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from eval.report_check import load_pages
from eval.structure_check import JUDGEMENT_KINDS, _norm, furniture_lines
from ingest.loaders import SourceDocument
from ingest.pipeline import prepare_document
from ingest.structure import JUDGEMENTS_SECTION
from vectorstore import ChunkRecord, DocumentRecord, token_counter

pytestmark = pytest.mark.slow

CI_DIR = Path(__file__).resolve().parent.parent / "data" / "real_ci"
REPORTS = sorted(str(p.relative_to(CI_DIR)) for p in CI_DIR.rglob("*.pdf"))
#: A judgement section's kind -> the report_fields areas that grade it (SIF named two of them otherwise).
AREAS = {"help_and_protection": ("help_and_protection",), "in_care": ("in_care", "looked_after_permanence"),
         "care_leavers": ("care_leavers",), "impact_of_leaders": ("impact_of_leaders", "leadership_management_governance")}
JUDGED = ("ILACS standard", "ILACS short", "SIF")

Prepared = tuple[list[str], DocumentRecord, list[ChunkRecord]]


@pytest.fixture(scope="module")
def prepared(request: pytest.FixtureRequest) -> Callable[[str], Prepared | None]:
    folder = request.config.cache.mkdir("real_ci_pages") if request.config.cache else Path("/tmp/real_ci_pages")

    @cache
    def prepare(name: str) -> Prepared | None:
        path = CI_DIR / name
        pages, _ = load_pages(path, folder)
        if pages is None:
            return None
        record, chunks, _ = prepare_document(SourceDocument(path, "pdf", pages, "0" * 64, 0), {}, 256, token_counter())
        return pages, record, chunks
    return prepare


def report(prepared: Callable[[str], Prepared | None], name: str) -> Prepared:
    got = prepared(name)
    if got is None:
        pytest.skip("not a readable PDF (an HTML page saved as .pdf, kept on purpose)")
    return got


def test_the_ci_folder_has_its_reports() -> None:
    assert len(REPORTS) == 27


@pytest.mark.parametrize("name", REPORTS)
def test_no_chunk_holds_a_running_header_or_footer(prepared, name: str) -> None:
    pages, _, chunks = report(prepared, name)
    furniture = furniture_lines(pages)
    # the opening's title is the document's own (page 1), not a running header repeating it
    held = [(c.page, line) for c in chunks if c.section != JUDGEMENTS_SECTION
            for line in furniture if line in _norm(c.text)]
    assert held == []


@pytest.mark.parametrize("name", REPORTS)
def test_every_chunk_has_a_section(prepared, name: str) -> None:
    _, _, chunks = report(prepared, name)
    assert chunks and [(c.page, c.text[:80]) for c in chunks if not c.section] == []
    # the chunk that opens each section says so (a judgement section's synopsis is ranked by it)
    assert [c.section_start for c in chunks] == [i == 0 or c.section != chunks[i - 1].section
                                                 for i, c in enumerate(chunks)]
    assert any(c.section_start and c.section_kind not in ("judgements", "summary") for c in chunks)


@pytest.mark.parametrize("name", REPORTS)
def test_judgement_sections_carry_the_report_s_grades(prepared, name: str) -> None:
    _, record, chunks = report(prepared, name)
    if record.framework not in JUDGED:
        pytest.skip(f"{record.framework or 'no framework'}: no judgement sections to grade")
    graded = {(c.section_kind, c.section_grade) for c in chunks if c.section_kind in JUDGEMENT_KINDS and c.section_grade}
    assert graded, "no graded judgement section"
    expected = {(kind, record.grades[a]) for kind, areas in AREAS.items() for a in areas if a in record.grades}
    assert graded <= expected, graded - expected


@pytest.mark.parametrize("name", REPORTS)
def test_every_graded_area_of_an_ilacs_report_has_its_graded_section(prepared, name: str) -> None:
    _, record, chunks = report(prepared, name)
    if not record.framework.startswith("ILACS"):
        pytest.skip(f"{record.framework or 'no framework'}: not an ILACS report")
    graded = {(c.section_kind, c.section_grade) for c in chunks if c.section_grade}
    expected = {(kind, record.grades[kind]) for kind in AREAS if kind in record.grades}
    assert expected - graded == set()
