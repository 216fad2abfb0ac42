"""`inspection-assistant eval`: run a Q&A set through Assistant.ask, score it, report, compare, gate."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant import Assistant
from eval.dataset import TYPES, QAItem
from eval.metrics import aggregate, fmt, latency, score_question

HEADLINE = ("recall@1", "recall@5", "recall@10", "mrr", "citation_precision", "citation_recall", "coverage",
            "report@5", "correct", "councils_recall", "councils_wrong",
            "abstention_recall", "abstention_precision", "answerable_abstained", "all_cited")
#: A metric may drop this much against the baseline before the run counts as a regression.
TOLERANCE = 0.02
LOWER_IS_BETTER = {"answerable_abstained", "councils_wrong"}


@dataclass
class EvalRun:
    metrics: dict[str, Any]
    per_type: dict[str, dict[str, Any]]
    per_kind: dict[str, dict[str, Any]]  # by the item's ``kind`` (the real-report set); {} if items have none
    latency: dict[str, dict[str, float]]
    results: list[dict[str, Any]]
    naive: dict[str, Any] | None = None
    comparison: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"metrics": self.metrics, "per_type": self.per_type, "per_kind": self.per_kind, "latency_ms": self.latency,
                "naive": self.naive, "comparison": self.comparison, "settings": self.settings,
                "seconds": round(self.seconds, 2), "results": self.results}


def run_eval(assistant: Assistant, items: list[QAItem], naive_factory: Any = None) -> EvalRun:
    """Score every item; ``naive_factory()`` builds the baseline *after* the assistant's run, so the
    baseline's index build (background threads in Chroma) never disturbs the assistant's latency figures."""
    started = time.perf_counter()
    results, timings = [], []
    for item in items:
        answer = assistant.ask(item.question).to_dict()
        scored = score_question(item, answer)
        scored.update(citations=answer["citations"], passages=answer["passages"][:10], notice=answer["notice"],
                      timings_ms=answer["timings_ms"], reference=item.answer)
        results.append(scored)
        timings.append(answer["timings_ms"])
    for item, r in zip(items, results):
        r["kind"] = item.kind
    per_type, per_kind = by_group(results, "type"), by_group(results, "kind")
    naive_metrics = None
    naive = naive_factory() if naive_factory else None
    if naive is not None:
        naive_results = [score_question(item, naive.ask(item.question)) for item in items]
        naive.close()
        for item, r in zip(items, naive_results):
            r["kind"] = item.kind
        naive_metrics = {"overall": aggregate(naive_results), "per_type": by_group(naive_results, "type"),
                         "per_kind": by_group(naive_results, "kind")}
    s = assistant.settings
    settings = {k: getattr(s, k) for k in ("k", "candidates", "fusion", "dense_weight", "bm25_weight", "rerank",
                                           "use_dense", "use_bm25", "use_glossary", "dedupe", "abstain_threshold",
                                           "backend")}
    return EvalRun(aggregate(results), per_type, per_kind, latency(timings), results, naive_metrics,
                   settings=settings, seconds=time.perf_counter() - started)


def by_group(results: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    """Metrics per value of ``key`` ("type": the TYPES order; "kind": as they come; none for an empty kind)."""
    order = TYPES if key == "type" else tuple(dict.fromkeys(r[key] for r in results))
    return {g: aggregate([r for r in results if r[key] == g]) for g in order
            if g and any(r[key] == g for r in results)}


def compare(run: EvalRun, baseline: dict[str, Any]) -> dict[str, Any]:
    """Metric deltas and per-question changes against a previous report.json."""
    deltas, regressions = {}, []
    for key in HEADLINE:
        old, new = baseline["metrics"].get(key), run.metrics.get(key)
        if old is None or new is None:
            continue
        delta = round(new - old, 4)
        deltas[key] = {"baseline": old, "now": new, "delta": delta}
        worse = delta > TOLERANCE if key in LOWER_IS_BETTER else delta < -TOLERANCE
        if worse:
            regressions.append(f"{key} {old:.3f} -> {new:.3f}")
    before = {r["id"]: r for r in baseline.get("results", [])}
    worse_q = [r["id"] for r in run.results if r["id"] in before and before[r["id"]]["passed"] and not r["passed"]]
    better_q = [r["id"] for r in run.results if r["id"] in before and not before[r["id"]]["passed"] and r["passed"]]
    new_q = [r["id"] for r in run.results if r["id"] not in before]
    run.comparison = {"deltas": deltas, "regressions": regressions, "worse": worse_q, "better": better_q,
                      "new": new_q}
    return run.comparison


def check_floors(run: EvalRun, floors: dict[str, float]) -> list[str]:
    failures = []
    for key, floor in floors.items():
        value = run.metrics.get(key)
        if value is None:
            failures.append(f"unknown metric {key}")
        elif key in LOWER_IS_BETTER and value > floor:
            failures.append(f"{key} {value:.3f} above the ceiling {floor}")
        elif key not in LOWER_IS_BETTER and value < floor:
            failures.append(f"{key} {value:.3f} below the floor {floor}")
    return failures


def write_reports(run: EvalRun, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "report.json", out_dir / "report.md"
    json_path.write_text(json.dumps(run.to_dict(), indent=2, ensure_ascii=False))
    md_path.write_text(markdown_report(run), encoding="utf-8")
    return json_path, md_path


def markdown_report(run: EvalRun) -> str:
    m = run.metrics
    lines = ["# Evaluation report", "",
             f"{m['questions']} questions, {m['passed']} passed, in {run.seconds:.1f} s.", "",
             "| metric | assistant | naive baseline |", "|---|---|---|"]
    naive = (run.naive or {}).get("overall", {})
    for key in HEADLINE:
        lines.append(f"| {key} | {fmt(m.get(key))} | {fmt(naive.get(key))} |")
    lines += ["", "## Per type", "", "| type | n | passed | recall@5 | citation precision | coverage | abstention recall |",
              "|---|---|---|---|---|---|---|"]
    for t, v in run.per_type.items():
        lines.append(f"| {t} | {v['questions']} | {v['passed']} | {fmt(v['recall@5'])} | "
                     f"{fmt(v['citation_precision'])} | {fmt(v['coverage'])} | {fmt(v['abstention_recall'])} |")
    if run.per_kind:
        lines += ["", "## Per kind", "", "| kind | n | correct | report@5 | recall@5 | coverage | abstention recall |",
                  "|---|---|---|---|---|---|---|"]
        for k, v in run.per_kind.items():
            lines.append(f"| {k} | {v['questions']} | {fmt(v['correct'])} | {fmt(v['report@5'])} | "
                         f"{fmt(v['recall@5'])} | {fmt(v['coverage'])} | {fmt(v['abstention_recall'])} |")
    lines += ["", "## Latency (ms)", "", "| stage | p50 | p95 |", "|---|---|---|"]
    lines += [f"| {k} | {v['p50']} | {v['p95']} |" for k, v in run.latency.items()]
    if run.comparison:
        c = run.comparison
        lines += ["", "## Against the baseline", "",
                  f"Got worse: {', '.join(c['worse']) or 'none'}. Got better: {', '.join(c['better']) or 'none'}.",
                  f"Regressions beyond tolerance ({TOLERANCE}): {'; '.join(c['regressions']) or 'none'}."]
    lines += ["", "## Questions (failures first)", ""]
    for r in sorted(run.results, key=lambda r: (r["passed"], r["id"])):
        status = "PASS" if r["passed"] else "FAIL"
        lines += [f"### {status} {r['id']} ({r['type']}): {r['question']}", ""]
        if r["reasons"]:
            lines.append("Reasons: " + "; ".join(r["reasons"]))
            lines.append("")
        lines += ["Answer:" + (" (abstained)" if r["abstained"] else ""), "", "> " + r["answer"].replace("\n", "\n> "), ""]
        for c in r["citations"]:
            lines.append(f"- [{c['n']}] {c['source']} — {c['section']} {c['paragraph']}: “{c['quote']}”")
        if r.get("reference"):
            lines += ["", f"Reference answer: {r['reference']}"]
        lines.append("")
    return "\n".join(lines)
