"""The evaluation set is valid, the matching rule is what the docs say, and the runner reports."""

from __future__ import annotations

import json
from pathlib import Path

from assistant import Assistant
from eval.dataset import load_qa, validate
from eval.matching import passage_matches
from eval.runner import check_floors, compare, run_eval, write_reports

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "eval" / "qa" / "sample.jsonl"


def test_gold_set_is_verbatim_and_well_formed() -> None:
    items = load_qa(SAMPLE)
    assert len(items) >= 60
    assert sum(1 for i in items if i.type == "unanswerable") >= 10
    assert validate(items, ROOT / "data" / "sample") == []


def test_validation_catches_a_non_verbatim_quote(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x1", "question": "q", "type": "fact", "answer": "a", "must_include": ["MACE"],
                               "gold": [{"doc": "southend-jtai-inspection-letter-2018-05-09.txt",
                                         "quote": "MACE meetings are excellent and fully rigorous in every way"}]}))
    problems = validate(load_qa(bad), ROOT / "data" / "sample")
    assert any("not verbatim" in p for p in problems)


def test_matching_tolerates_whitespace_quotes_and_chunk_boundaries() -> None:
    doc = "letter.txt"
    quote = "This is also mirrored in the minutes of meetings, which are not consistently clear and sometimes lack"
    assert passage_matches("…rigour.  This is also\nmirrored in the minutes of meetings, which are not consistently "
                           "clear and sometimes lack relevant details", "letter.pdf", doc, quote)
    half = "This is also mirrored in the minutes of meetings, which are"
    assert passage_matches(half, "letter.txt", doc, quote)  # quote straddles a chunk boundary
    assert not passage_matches(half, "other.txt", doc, quote)  # partial matches must come from the gold document
    assert not passage_matches("Unrelated text about budgets.", "letter.txt", doc, quote)


def test_runner_scores_reports_and_compares(assistant: Assistant, tmp_path: Path) -> None:
    items = load_qa(SAMPLE)[:12] + [i for i in load_qa(SAMPLE) if i.type == "unanswerable"][:3]
    run = run_eval(assistant, items)
    m = run.metrics
    for key in ("recall@1", "recall@5", "recall@10", "mrr", "citation_precision", "coverage", "abstention_recall"):
        assert 0.0 <= m[key] <= 1.0
    assert m["all_cited"] == 1.0
    json_path, md_path = write_reports(run, tmp_path)
    report = json.loads(json_path.read_text())
    assert len(report["results"]) == len(items)
    assert "FAIL" in md_path.read_text() or "PASS" in md_path.read_text()
    worse = json.loads(json_path.read_text())
    worse["metrics"]["recall@5"] = min(1.0, m["recall@5"] + 0.5)
    for r in worse["results"]:
        r["passed"] = True
    comparison = compare(run, worse)
    assert any(r.startswith("recall@5") for r in comparison["regressions"])
    assert comparison["worse"] == [r["id"] for r in run.results if not r["passed"]]
    assert check_floors(run, {"recall@5": 1.01}) and not check_floors(run, {"recall@5": 0.0})


def test_calibration_rule() -> None:
    from eval.calibrate import calibrate

    # separable: catch every unanswerable without losing an answerable
    threshold, false, hit = calibrate([0.5, 0.6, 0.7], [0.2, 0.3], max_false=0.05)
    assert hit == 1.0 and false == 0.0 and 0.3 < threshold <= 0.5
    # not separable: lose nothing, but sit just below the weakest answerable (off-topic questions still abstain)
    threshold, false, hit = calibrate([0.3, 0.6], [0.4, 0.5], max_false=0.05)
    assert (false, hit) == (0.0, 0.0) and 0.29 < threshold <= 0.3


def test_a_system_that_never_abstains_or_structures_gets_n_a_not_a_perfect_score() -> None:
    from eval.metrics import aggregate, fmt, score_question

    items = load_qa(SAMPLE)
    answerable = next(i for i in items if i.type != "unanswerable")
    unanswerable = next(i for i in items if i.type == "unanswerable")
    free_text = {"answer": "Some text.", "abstained": False, "citations": [], "passages": [], "sentences": []}
    results = [score_question(answerable, free_text), score_question(unanswerable, free_text)]
    assert results[0]["all_cited"] is None
    metrics = aggregate(results)
    assert metrics["abstention_precision"] is None and metrics["all_cited"] is None
    assert metrics["abstention_recall"] == 0.0
    assert fmt(metrics["abstention_precision"]) == "n/a" and fmt(0.5) == "0.500"


def test_eval_refuses_a_set_whose_quotes_are_not_in_the_corpus(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = tmp_path / "mine.jsonl"
    bad.write_text(json.dumps({"id": "m1", "question": "q?", "type": "fact", "answer": "a", "must_include": ["MACE"],
                               "gold": [{"doc": "southend-jtai-inspection-letter-2018-05-09.txt",
                                         "quote": "MACE meetings are excellent and fully rigorous in every way"}]}))
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "eval", "--qa", str(bad), "--corpus",
                             str(ROOT / "data" / "sample"), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "does not match" in lines[0] and "m1" in lines[0], result.stderr


def test_naive_langchain_baseline_is_scored_beside_the_assistant(assistant: Assistant, tmp_path: Path) -> None:
    from eval.naive import NaivePipeline
    from ingest.loaders import discover

    items = [i for i in load_qa(SAMPLE) if i.type == "fact"][:6] + \
        [i for i in load_qa(SAMPLE) if i.type == "unanswerable"][:2]
    files = discover([ROOT / "data" / "sample"])[0]
    run = run_eval(assistant, items, lambda: NaivePipeline(files, assistant.store.embedder, k=10))
    naive = run.naive["overall"]
    assert naive["questions"] == len(items) and 0.0 <= naive["recall@5"] <= 1.0
    assert naive["abstention_recall"] == 0.0 and naive["abstention_precision"] is None  # it never abstains
    assert "n/a" in write_reports(run, tmp_path)[1].read_text()


def test_the_naive_baseline_adds_more_chunks_than_one_chroma_batch_holds(tmp_path) -> None:
    # 240 reports split 1000/200 make ~16k chunks, over Chroma's max batch (5,461 here): one call failed
    import chromadb
    from langchain_chroma import Chroma
    from langchain_core.documents import Document

    from eval.naive import add_documents

    class Flat:  # no model needed to count what was stored
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[1.0, 0.0] for _ in texts]

        def embed_query(self, text: str) -> list[float]:
            return [1.0, 0.0]

    client = chromadb.PersistentClient(path=str(tmp_path))
    store = Chroma(client=client, collection_name="naive", embedding_function=Flat())
    n = client.get_max_batch_size() + 7
    add_documents(store, [Document(page_content=f"chunk {i}") for i in range(n)])
    assert store._collection.count() == n
