"""`inspection-assistant eval` as a function: load the Q&A set(s), optionally ingest a corpus into a throwaway
index, run the set through ``Assistant.ask`` (and the naive baseline), compare with a baseline, write the
reports and check the floors. The CLI only parses flags and prints."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant import Assistant, Settings
from assistant.service import open_assistant
from eval.dataset import QAItem, load_qa, validate
from eval.naive import NaivePipeline
from eval.runner import EvalRun, check_floors, compare, run_eval, write_reports

SAMPLE_QA = Path(__file__).resolve().parent / "qa" / "sample.jsonl"


class EvalError(ValueError):
    """The evaluation cannot run as asked (a missing file, a set that does not match its corpus, …)."""


@dataclass
class EvalRequest:
    qa_files: list[Path] = field(default_factory=lambda: [SAMPLE_QA])
    settings: Settings = field(default_factory=Settings.from_env)
    out_dir: Path = Path("eval/out")
    baseline: Path | None = None
    floors: dict[str, float] = field(default_factory=dict)
    corpus: Path | None = None  # ingest this folder into a throwaway index first
    compare_naive: bool = True
    only: dict[str, str] = field(default_factory=dict)  # item field -> value: run only the items that have it


@dataclass
class EvalOutcome:
    run: EvalRun
    json_path: Path
    md_path: Path
    ingest_failures: list[tuple[str, str]]  # (path, reason) of corpus files that did not ingest
    problems: list[str]  # floors missed and regressions against the baseline: the gate fails on any


def parse_floors(specs: list[str]) -> dict[str, float]:
    floors: dict[str, float] = {}
    for spec in specs:
        name, _, value = spec.partition("=")
        try:
            floors[name.strip()] = float(value)
        except ValueError:
            raise EvalError(f"--fail-under wants metric=value, got {spec!r}") from None
    return floors


def parse_only(specs: list[str]) -> dict[str, str]:
    only: dict[str, str] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not sep or name.strip() not in QAItem.__dataclass_fields__:
            raise EvalError(f"--only wants field=value with a Q&A field ({', '.join(QAItem.__dataclass_fields__)}), "
                            f"got {spec!r}")
        only[name.strip()] = value.strip()
    return only


def selected(items: list[QAItem], only: dict[str, str]) -> list[QAItem]:
    """The items whose fields have the values asked for (a bool field: "true"/"false")."""
    def value(item: QAItem, name: str) -> str:
        v = getattr(item, name)
        return str(v).lower() if isinstance(v, bool) else str(v)

    return [i for i in items if all(value(i, k) == v.lower() if isinstance(getattr(i, k), bool) else value(i, k) == v
                                    for k, v in only.items())]


def load_items(files: list[Path]) -> list[QAItem]:
    items: list[QAItem] = []
    for f in files:
        if not f.exists():
            raise EvalError(f"Q&A file not found: {f}")
        try:
            items += load_qa(f)
        except ValueError as exc:
            raise EvalError(str(exc)) from exc
    return items


def evaluate(request: EvalRequest, progress: Callable[[str], None] | None = None) -> EvalOutcome:
    from ingest import IngestOptions, ingest
    from ingest.loaders import discover

    items = selected(load_items(request.qa_files), request.only)
    if not items:
        raise EvalError(f"no Q&A item matches --only {request.only}")
    baseline = None
    if request.baseline is not None:
        if not request.baseline.exists():
            raise EvalError(f"baseline not found: {request.baseline}")
        baseline = json.loads(request.baseline.read_text())
    settings, tmp, failures = request.settings, None, []
    if request.corpus is not None:
        if not request.corpus.exists():
            raise EvalError(f"corpus folder not found: {request.corpus}")
        problems = validate(items, request.corpus)  # a quote not in its document would only lower scores silently
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise EvalError(f"the Q&A set does not match {request.corpus}: {problems[0]}{more}: "
                            "fix the gold quotes or --corpus")
        tmp = tempfile.TemporaryDirectory(prefix="ia-eval-")
        settings = settings.with_overrides(data_dir=Path(tmp.name))
    try:
        assistant = open_assistant(settings)
        if request.corpus is not None:
            if progress:
                progress(f"ingesting {request.corpus}")
            report = ingest(assistant.store, [request.corpus], IngestOptions.from_settings(settings),
                            lock_dir=settings.data_dir)
            failures = [(o.path, o.reason) for o in report.failed]
        assistant.warm_up()
        source_dir = request.corpus or sources_dir(assistant)

        def naive_factory() -> Any:
            return NaivePipeline(discover([source_dir])[0], assistant.store.embedder, k=10) if source_dir else None

        run = run_eval(assistant, items, naive_factory if request.compare_naive else None)
        if baseline is not None:
            compare(run, baseline)
        json_path, md_path = write_reports(run, request.out_dir)
        problems = check_floors(run, request.floors)
        if run.comparison:
            problems += [f"regression: {r}" for r in run.comparison["regressions"]]
        return EvalOutcome(run, json_path, md_path, failures, problems)
    finally:
        if tmp is not None:
            tmp.cleanup()


def sources_dir(assistant: Assistant) -> Path | None:
    """The common folder of the indexed files (for the naive baseline over the same documents)."""
    paths = [d.path for d in assistant.store.list_documents() if Path(d.path).exists()]
    return Path(os.path.commonpath(paths)) if paths else None
