"""The real-report Q&A set (eval/qa/real.jsonl): schema, verbatim gold quotes, the CI subset, the holdout split.

The CI items are checked against the copies in data/real_ci (in the repo); the whole set against the full
folder when it is present (ILACS_DIR, default /work/shared/ilacs), and skipped otherwise.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

from domain.kinds import GRADES
from eval import build_real as br
from eval.dataset import TYPES, load_qa

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "eval" / "qa" / "real.jsonl"
CI_DIR = ROOT / "data" / "real_ci"
FULL = br.ILACS_DIR if (br.ILACS_DIR / "reports.csv").exists() else None
needs_full = pytest.mark.skipif(FULL is None, reason="the full report folder is not on this machine")


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def ci_docs() -> list[str]:
    return br.read_ci_list()


@pytest.fixture(scope="module")
def councils(items: list[dict]) -> list[str]:
    """The folder's councils, from the reports the set names (every council has at least one question)."""
    names = {br.council_name(g["doc"].split("/")[0]) for it in items for g in it["gold"]}
    return sorted(names)


# -- the set as a whole ------------------------------------------------------------------------------------
def test_schema_ids_and_answerability(items: list[dict]) -> None:
    assert br.validate_items(items, CI_DIR, only_docs=set()) == []


def test_loads_through_the_eval_loader() -> None:
    loaded = load_qa(REAL)
    assert all(it.type in TYPES for it in loaded)
    assert {it.kind for it in loaded} == set(br.KINDS)
    assert any(it.ci for it in loaded) and {it.split for it in loaded} == {"dev", "holdout"}


def test_size_and_mix(items: list[dict]) -> None:
    kinds = collections.Counter(it["kind"] for it in items)
    assert len(items) >= 400
    assert sum(it["id"].startswith("real-hw-") for it in items) >= 60
    assert kinds["unanswerable"] >= 40
    assert all(kinds[k] >= 20 for k in br.KINDS), kinds
    assert any(it["type"] == "compare" and len({g["doc"].split("/")[0] for g in it["gold"]}) == 2 for it in items)


def test_gold_docs_are_paths_not_bare_file_names(items: list[dict]) -> None:
    for it in items:
        for g in it["gold"]:
            folder, _, name = g["doc"].partition("/")
            assert folder and name.endswith(".pdf") and "/" not in name, (it["id"], g["doc"])


def test_grade_items_name_a_normalised_grade(items: list[dict]) -> None:
    for it in items:
        if it["kind"] == "grade" and it["type"] == "fact":
            assert any(p in GRADES for p in it["must_include"]), it["id"]


def test_aggregates_name_the_councils_they_expect(items: list[dict], councils: list[str]) -> None:
    aggregates = [it for it in items if it["kind"] == "aggregate"]
    assert aggregates
    for it in aggregates:
        assert it["expected_councils"] and set(it["expected_councils"]) <= set(councils), it["id"]
        gold_councils = {br.council_name(g["doc"].split("/")[0]) for g in it["gold"]}
        assert set(it["expected_councils"]) <= gold_councils, it["id"]  # each expected council has evidence


def test_questions_are_not_repeated(items: list[dict]) -> None:
    questions = collections.Counter(br.normalize_for_match(it["question"]) for it in items)
    assert [q for q, n in questions.items() if n > 1] == []


# -- the holdout split -------------------------------------------------------------------------------------
def test_holdout_is_about_a_third_of_the_councils(councils: list[str]) -> None:
    holdout = [c for c in councils if br.split_of(c) == "holdout"]
    assert 0.25 <= len(holdout) / len(councils) <= 0.4


def test_split_follows_the_councils(items: list[dict]) -> None:
    """An item is holdout exactly when one of its councils is: a dev item never touches a holdout council."""
    for it in items:
        if it["kind"] == "aggregate":
            continue
        about = {it["council"]} | {br.council_name(g["doc"].split("/")[0]) for g in it["gold"]}
        expected = "holdout" if any(br.split_of(c) == "holdout" for c in about if c) else "dev"
        assert it["split"] == expected, it["id"]


def test_both_splits_have_every_kind(items: list[dict]) -> None:
    for split in ("dev", "holdout"):
        assert {it["kind"] for it in items if it["split"] == split} == set(br.KINDS), split


# -- the CI subset -----------------------------------------------------------------------------------------
def test_ci_subset_is_in_the_repo(ci_docs: list[str]) -> None:
    assert 20 <= len(ci_docs) <= 30
    assert [d for d in ci_docs if not (CI_DIR / d).is_file()] == []
    with (CI_DIR / "reports.csv").open(encoding="utf-8") as f:
        assert sum(1 for _ in f) == len(ci_docs) + 1


def test_ci_items_use_only_ci_reports(items: list[dict], ci_docs: list[str]) -> None:
    ci = [it for it in items if it["ci"]]
    assert 80 <= len(ci) <= 160
    assert {it["kind"] for it in ci} == set(br.KINDS)
    for it in ci:
        assert all(g["doc"] in ci_docs for g in it["gold"]), it["id"]
    # an item over CI reports only is marked ci (nothing that could run in CI is left out)
    for it in items:
        if it["gold"] and all(g["doc"] in ci_docs for g in it["gold"]):
            assert it["ci"], it["id"]


def test_ci_items_are_verbatim_in_the_ci_copies(items: list[dict], ci_docs: list[str]) -> None:
    ci = [it for it in items if it["ci"]]
    assert br.validate_items(ci, CI_DIR, only_docs=set(ci_docs)) == []


@needs_full
def test_every_item_is_verbatim_in_the_full_folder(items: list[dict]) -> None:
    assert br.validate_items(items, FULL) == []


@needs_full
def test_the_committed_set_is_what_the_generator_writes(items: list[dict]) -> None:
    built, _ = br.build(FULL)
    assert [it.to_json() for it in built] == items


# -- the checks themselves ---------------------------------------------------------------------------------
PAGES = ["Inspection of Anytown local authority children’s services\n1 to 5 May 2025 2\n"
         "Managers review all screening decisions to ensure consistency. Effective information-\n"
         "sharing supports decisions at the end of the page",
         "Inspection of Anytown local authority children’s services\n1 to 5 May 2025 3\n"
         "and the next page goes on."]


def test_find_quote_needs_one_page_and_no_hyphen_split() -> None:
    assert br.find_quote(PAGES, "managers review all  screening decisions") == 0  # case and spacing don't matter
    assert br.find_quote(PAGES, "Effective information- sharing supports") is None  # spans a line-end hyphen
    assert br.find_quote(PAGES, "end of the page and the next page") is None  # spans a page break
    assert br.find_quote(PAGES, "and the next page goes on.") == 1


def test_validate_items_reports_bad_items(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = "1_anytown/report.pdf"
    (tmp_path / "1_anytown").mkdir()
    (tmp_path / doc).write_bytes(b"stands in for a pdf")
    monkeypatch.setattr(br, "report_pages", lambda path: PAGES)  # the fake report's text
    good = {"id": "x1", "question": "q", "type": "fact", "kind": "grade", "council": "Anytown", "split": "dev",
            "ci": True, "answer": "a", "must_include": ["screening decisions"], "expected_councils": [],
            "gold": [{"doc": doc, "quote": "Managers review all screening decisions"}]}
    assert br.validate_items([good], tmp_path) == []
    bad = [dict(good, id="x2", gold=[{"doc": doc, "quote": "not in the report"}]),
           dict(good, id="x3", must_include=["a phrase nowhere"]),
           dict(good, id="x4", gold=[{"doc": "report.pdf", "quote": "Managers review"}]),
           dict(good, id="x5", gold=[]),
           dict(good, id="x6", kind="no such kind"),
           dict(good)]
    problems = br.validate_items([good, *bad], tmp_path)
    assert sorted({p.split(":")[0] for p in problems}) == ["x1", "x2", "x3", "x4", "x5", "x6"]
    assert any(p.startswith("x1: duplicate id") for p in problems)


@pytest.mark.parametrize("raw, name", [
    ("80432_bolton", "Bolton"), ("telford & wrekin", "Telford and Wrekin"), ("southend-on-sea", "Southend-on-Sea"),
    ("kingston upon hull", "Kingston upon Hull"), ("london corporation", "City of London"),
    ("east riding of yorkshire", "East Riding of Yorkshire"), ("st helens", "St Helens"),
    ("windsor & maidenhead", "Windsor and Maidenhead")])
def test_council_names(raw: str, name: str) -> None:
    assert br.council_name(raw) == name


@pytest.mark.parametrize("text, start, end", [
    ("11 to 15 September 2023", (2023, 9, 11), (2023, 9, 15)),
    ("14 January – 5 February 2014", (2014, 1, 14), (2014, 2, 5)),
    ("9–24 November 2017", (2017, 11, 9), (2017, 11, 24)),
    ("23 April 2018 to 04 May 2018", (2018, 4, 23), (2018, 5, 4)),
    ("19 November-11 December 2013", (2013, 11, 19), (2013, 12, 11))])
def test_parse_span(text: str, start: tuple, end: tuple) -> None:
    s, e = br.parse_span(text)
    assert (s.year, s.month, s.day) == start and (e.year, e.month, e.day) == end
