"""Per-question scoring and aggregation."""

from __future__ import annotations

import re
import statistics
from typing import Any

from eval.dataset import QAItem
from eval.matching import passage_matches, phrase_present, same_document

KS = (1, 5, 10)
#: An answer is "correct" when it holds at least this share of its must-include phrases and cites a gold document.
CORRECT_COVERAGE = 0.5


def score_question(item: QAItem, answer: dict[str, Any]) -> dict[str, Any]:
    """Score one Answer (as produced by Answer.to_dict()) against its gold."""
    passages = answer["passages"]
    citations = answer["citations"]
    result: dict[str, Any] = {"id": item.id, "type": item.type, "question": item.question,
                              "abstained": answer["abstained"], "answer": answer["answer"]}
    sentences = [s for s in answer.get("sentences", [])]
    # None (not applicable) when the answer has no sentence structure to check, e.g. the naive pipeline's
    # free text: an empty list must not count as "every sentence cited".
    result["all_cited"] = True if not sentences and answer["abstained"] else (
        all(s["citations"] for s in sentences) if sentences else None)
    if not item.answerable:
        result["passed"] = answer["abstained"]
        result["reasons"] = [] if answer["abstained"] else ["answered a question the documents don't cover"]
        return result

    def matches(p: dict[str, Any], g: Any) -> bool:
        return passage_matches(p["text"], p["source"], g.doc, g.quote, p.get("path", ""))

    def from_gold(p: dict[str, Any]) -> bool:
        return any(same_document(p["source"], g.doc, p.get("path", "")) for g in item.gold)

    def rank_of(g: Any) -> int | None:
        for rank, p in enumerate(passages, start=1):
            if matches(p, g):
                return rank
        return None

    ranks = [rank_of(g) for g in item.gold]
    for k in KS:
        result[f"recall@{k}"] = sum(1 for r in ranks if r is not None and r <= k) / len(ranks)
    first = min((r for r in ranks if r is not None), default=None)
    result["mrr"] = 1.0 / first if first else 0.0
    supporting = [c for c in citations if any(matches(c, g) for g in item.gold)]
    result["citation_precision"] = len(supporting) / len(citations) if citations else 0.0
    result["citation_recall"] = sum(1 for g in item.gold if any(matches(c, g) for c in citations)) / len(item.gold)
    present = [p for p in item.must_include if phrase_present(p, answer["answer"])]
    result["coverage"] = len(present) / len(item.must_include) if item.must_include else 1.0
    result["missing_phrases"] = [p for p in item.must_include if p not in present]
    # The right answer from the right report: the must-include phrases, and a citation of a gold document.
    result["report@5"] = 1.0 if any(from_gold(p) for p in passages[:5]) else 0.0
    result["correct"] = 1.0 if (not answer["abstained"] and result["coverage"] >= CORRECT_COVERAGE
                                and any(from_gold(c) for c in citations)) else 0.0
    if item.expected_councils:
        named = councils_named(answer["answer"]) if not answer["abstained"] else set()
        expected = set(item.expected_councils)
        result["councils_recall"] = len(named & expected) / len(expected)
        result["councils_wrong"] = len(named - expected) / len(named) if named else 0.0
    reasons = []
    if answer["abstained"]:
        reasons.append("abstained on an answerable question")
    if result["recall@5"] == 0:
        reasons.append("no gold passage in the top 5")
    if citations and not supporting:
        reasons.append("no citation supports a gold quote")
    if result["coverage"] < 0.5:
        reasons.append(f"answer misses {', '.join(result['missing_phrases'])}")
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", answer["answer"])}
    if markers - {c["n"] for c in citations}:
        reasons.append("a marker points at no citation")
    result["reasons"] = reasons
    result["passed"] = not reasons
    return result


def councils_named(text: str) -> set[str]:
    """The councils an answer names (the gazetteer's canonical names)."""
    from domain.gazetteer import load

    return {m.council.name for m in load().find(text, informal=True)}


def aggregate(results: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in results if r["type"] != "unanswerable"]
    unanswerable = [r for r in results if r["type"] == "unanswerable"]
    out: dict[str, Any] = {"questions": len(results), "passed": sum(r["passed"] for r in results)}
    for key in [f"recall@{k}" for k in KS] + ["mrr", "citation_recall", "coverage", "report@5", "correct"]:
        out[key] = _mean(r[key] for r in answerable)
    with_councils = [r for r in answerable if "councils_recall" in r]
    out["councils_recall"] = _mean(r["councils_recall"] for r in with_councils) if with_councils else None
    out["councils_wrong"] = _mean(r["councils_wrong"] for r in with_councils) if with_councils else None
    answered = [r for r in answerable if not r["abstained"]]
    out["citation_precision"] = _mean(r["citation_precision"] for r in answered)
    abstained = [r for r in results if r["abstained"]]
    out["abstention_recall"] = _mean(1.0 if r["abstained"] else 0.0 for r in unanswerable)
    # n/a (None) for a system that never abstains, rather than a perfect score for doing nothing
    out["abstention_precision"] = (round(sum(1 for r in abstained if r["type"] == "unanswerable") / len(abstained), 4)
                                   if abstained else None)
    out["answerable_abstained"] = _mean(1.0 if r["abstained"] else 0.0 for r in answerable)
    checked = [r for r in results if r["all_cited"] is not None]
    out["all_cited"] = _mean(1.0 if r["all_cited"] else 0.0 for r in checked) if checked else None
    return out


def fmt(value: float | None) -> str:
    """A metric for a table: three decimals, or "n/a" where it does not apply."""
    return "n/a" if value is None else f"{value:.3f}"


def latency(timings: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    stages = sorted({k for t in timings for k in t if k != "evidence"})
    out = {}
    for stage in stages:
        values = sorted(t[stage] for t in timings if stage in t)
        out[stage] = {"p50": round(statistics.median(values), 2),
                      "p95": round(values[min(len(values) - 1, int(0.95 * len(values)))], 2)}
    return out


def _mean(values: Any) -> float:
    values = list(values)
    return round(sum(values) / len(values), 4) if values else 0.0
