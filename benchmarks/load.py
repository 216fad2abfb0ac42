#!/usr/bin/env python3
"""Chat sessions under load: N concurrent sessions keep asking while an ingest of other reports runs (issue 16).

The sessions share one ``Assistant`` through the service layer, as the Streamlit app's sessions share its cached
one; each is a thread with its own council's questions (eval/qa/real.jsonl items about one council) and its own
conversation history, and it picks up newly ingested documents (``refresh``) before each question, as the app's
"Reload index" does. Meanwhile ``inspection-assistant ingest`` of reports the index does not hold runs in a
subprocess on the same index, as a user loading reports from the command line would.

Each answer is checked: no exception, the answer is to the question that session asked, and every citation is
from that session's council or one the question itself names ("How do Leeds and Bolton compare …?" cites both;
an answer mixed between sessions would cite another session's council). Printed: asks, errors,
mixed answers, p50/p95 under load, beside a single session asking the same questions on the idle index first.

    python benchmarks/load.py [--index DATA_DIR] [--sessions 8] [--seconds 120] [--ingest-files 20]
                              [--work /tmp/ia-bench-load]

--index (default: data/real_ci ingested into WORK/base once) is copied to WORK/index for each run, so it is left
as it was. The ingested reports are the first --ingest-files PDFs of ../shared/ilacs whose council the index
does not hold. Writes benchmarks/out/load.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._common import ROOT, background_load, machine, percentile, stamp, table, write_json  # noqa: E402
from benchmarks._real import DEFAULT_FOLDER, select_files  # noqa: E402

DEFAULT_WORK = Path("/tmp/ia-bench-load")
QA = ROOT / "eval" / "qa" / "real.jsonl"
CLI = Path(sys.executable).with_name("inspection-assistant")
#: Kinds whose answer cites only the council asked about (a set of councils' or a comparison's do not).
ONE_COUNCIL_KINDS = {"lead_inspector", "dates", "grade", "improve", "area_findings", "change"}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def base_index(work: Path, index: Path | None) -> Path:
    if index is not None:
        return index
    base = work / "base"
    if not (base / "chroma").exists():
        log(f"building the base index from data/real_ci into {base}")
        subprocess.run([str(CLI), "ingest", str(ROOT / "data" / "real_ci"), "--data-dir", str(base)], check=True,
                       stdout=subprocess.DEVNULL)
    return base


def session_questions(councils: set[str], sessions: int) -> list[tuple[str, list[str]]]:
    """(council, its questions) for each session: the councils with the most one-council questions first."""
    by_council: dict[str, list[str]] = {}
    for line in QA.read_text().splitlines():
        item = json.loads(line)
        if item["kind"] in ONE_COUNCIL_KINDS and item.get("council") in councils:
            by_council.setdefault(item["council"], []).append(item["question"])
    ranked = sorted(by_council.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    if not ranked:
        raise SystemExit(f"no question in {QA} is about a council of the index")
    return [ranked[i % len(ranked)] for i in range(sessions)]


class Session(threading.Thread):
    """One chat session: asks its council's questions in turn, each with the conversation so far."""

    def __init__(self, n: int, assistant, council: str, questions: list[str], until: float):
        super().__init__(name=f"session-{n}", daemon=True)
        self.assistant, self.council, self.questions, self.until = assistant, council, questions, until
        self.latencies_ms: list[float] = []
        self.errors: list[str] = []
        self.mixed: list[str] = []
        # the councils each question may cite: the session's, and those the question names (read without any
        # history, so a council that leaked in from another conversation is still caught)
        self.allowed = {q: {council} | set(assistant.plan(q).mentions.councils) for q in questions}

    def run(self) -> None:
        history: list[dict[str, str]] = []
        i = 0
        while time.perf_counter() < self.until:
            question = self.questions[i % len(self.questions)]
            i += 1
            try:
                self.assistant.refresh()  # what the app's "Reload index" does: pick up the ingest's new reports
                t = time.perf_counter()
                # a new conversation every few questions; a question with the session's history otherwise
                answer = self.assistant.ask(question, history=history[-4:] if i % 3 else None)
                self.latencies_ms.append((time.perf_counter() - t) * 1000)
            except Exception as exc:  # counted, not raised: the run goes on, as the app keeps serving
                self.errors.append(f"{question}: {type(exc).__name__}: {exc}")
                continue
            others = {c.council for c in answer.citations if c.council and c.council not in self.allowed[question]}
            if answer.question != question or others:
                self.mixed.append(f"{question} -> {answer.question!r} citing {sorted(others)}")
            history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]


def run_sessions(assistant, plans: list[tuple[str, list[str]]], seconds: float) -> list[Session]:
    until = time.perf_counter() + seconds
    sessions = [Session(n, assistant, council, questions, until) for n, (council, questions) in enumerate(plans)]
    for s in sessions:
        s.start()
    for s in sessions:
        s.join()
    return sessions


def summary(sessions: list[Session], seconds: float) -> dict:
    lat = [x for s in sessions for x in s.latencies_ms]
    return {"sessions": len(sessions), "asks": len(lat), "asks_per_s": round(len(lat) / seconds, 2),
            "errors": sum(len(s.errors) for s in sessions), "mixed": sum(len(s.mixed) for s in sessions),
            "p50_ms": round(percentile(lat, 0.5), 1) if lat else None,
            "p95_ms": round(percentile(lat, 0.95), 1) if lat else None,
            "error_examples": [e for s in sessions for e in s.errors][:5],
            "mixed_examples": [m for s in sessions for m in s.mixed][:5]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="an index folder to copy (default: data/real_ci ingested)")
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="the single idle session first")
    parser.add_argument("--ingest-files", type=int, default=20)
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help="where the reports to ingest come from")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    args = parser.parse_args()

    from assistant import Settings
    from assistant.service import open_assistant

    args.work.mkdir(parents=True, exist_ok=True)
    index = args.work / "index"
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(base_index(args.work, args.index), index)
    assistant = open_assistant(Settings.from_env(data_dir=index))
    assistant.warm_up()
    held = {d.council for d in assistant.retriever.facts().documents if d.council}
    plans = session_questions(held, args.sessions)
    files = [f for f in select_files(args.folder, None).files
             if not any(c.lower() in f.parent.name.lower() for c in held)][:args.ingest_files]
    log(f"{len(held)} councils indexed; sessions on {', '.join(sorted({c for c, _ in plans}))}; "
        f"{len(files)} reports to ingest")

    log(f"one idle session for {args.idle_seconds:.0f} s")
    idle = summary(run_sessions(assistant, plans[:1], args.idle_seconds), args.idle_seconds)

    log(f"{args.sessions} sessions for {args.seconds:.0f} s while {len(files)} reports are ingested")
    before = background_load()
    started = time.perf_counter()
    ingest = subprocess.Popen([str(CLI), "ingest", *map(str, files), "--data-dir", str(index)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    loaded = summary(run_sessions(assistant, plans, args.seconds), args.seconds)
    ingest_done = ingest.poll() is not None
    _, stderr = ingest.communicate()
    ingest_s = time.perf_counter() - started
    assistant.refresh()
    after = len(assistant.retriever.facts().documents)

    rows = [["1 session, idle index", idle["asks"], idle["errors"], idle["mixed"], idle["p50_ms"], idle["p95_ms"]],
            [f"{args.sessions} sessions + ingest", loaded["asks"], loaded["errors"], loaded["mixed"],
             loaded["p50_ms"], loaded["p95_ms"]]]
    print(table(["run", "asks", "errors", "mixed answers", "p50 ms", "p95 ms"], rows))
    ratio = loaded["p50_ms"] / idle["p50_ms"] if idle["p50_ms"] and loaded["p50_ms"] else float("nan")
    print(f"p50 under load / idle: {ratio:.2f}; ingest of {len(files)} reports: exit {ingest.returncode}, "
          f"{ingest_s:.0f} s ({'within' if ingest_done else 'after'} the {args.seconds:.0f} s of asking); "
          f"index now holds {after} documents")
    for example in loaded["error_examples"] + loaded["mixed_examples"]:
        print("  !", example)
    if ingest.returncode:
        print("  ingest stderr:", stderr.strip().splitlines()[-1:] if stderr.strip() else "")
    path = write_json("load.json", {
        "benchmark": "load", "when": stamp(), "machine": machine(), "sessions": args.sessions,
        "seconds": args.seconds, "ingest_files": [str(f) for f in files], "ingest_exit": ingest.returncode,
        "ingest_s": round(ingest_s, 1), "documents_after": after, "idle": idle, "loaded": loaded,
        "p50_over_idle": round(ratio, 3), "load_before": before, "load_after": background_load()})
    print(f"wrote {path}")
    if loaded["errors"] or loaded["mixed"] or ingest.returncode:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
