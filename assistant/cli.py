"""The `inspection-assistant` command line. An entry layer like app.py: it wires ingest/ and assistant/."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.config import Settings
from ingest import one_line

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Ask questions of inspection letters and committee reports, with cited passages.")
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Index folder (env INSPECTION_ASSISTANT_DATA_DIR).")]


def fail(message: str, code: int = 2) -> None:
    # Messages carry file names and document text: never let "[...]" in them be read as Rich markup.
    err.print(f"[bold red]error:[/] {escape(one_line(message))}", highlight=False)
    raise typer.Exit(code)


def settings_for(data_dir: Path | None, **overrides: Any) -> Settings:
    try:
        return Settings.from_env(data_dir=data_dir, **overrides)
    except ValueError as exc:
        fail(str(exc))
        raise  # unreachable


def open_store(settings: Settings) -> Any:
    from assistant.service import open_store_exclusively
    from vectorstore import ModelUnavailable, StoreUnavailable

    try:
        return open_store_exclusively(settings)
    except (StoreUnavailable, ModelUnavailable) as exc:
        fail(str(exc))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (walked recursively).")],
    data_dir: DataDir = None,
    prune: Annotated[bool, typer.Option(help="Remove indexed documents whose files are gone from these folders.")] = False,
    force: Annotated[bool, typer.Option(help="Re-index even unchanged files.")] = False,
    title: Annotated[str | None, typer.Option(help="Override the title of every file ingested.")] = None,
    date: Annotated[str | None, typer.Option(help="Override the date (YYYY-MM-DD).")] = None,
    council: Annotated[str | None, typer.Option(help="Override the council/area.")] = None,
    doc_type: Annotated[str | None, typer.Option(help="Override the document type.")] = None,
    inspection_type: Annotated[str | None, typer.Option(help="Override the inspection type.")] = None,
    max_file_mb: Annotated[float | None, typer.Option(help="Refuse files larger than this.")] = None,
) -> None:
    """Chunk, embed and index letters and reports (PDF, Word, HTML, .txt, .md). Unchanged files are skipped."""
    try:
        store, report = _run_ingest(paths, data_dir, prune, force, max_file_mb,
                                    dict(title=title, date=date, council=council, doc_type=doc_type,
                                         inspection_type=inspection_type))
    except KeyboardInterrupt:  # Ctrl+C / SIGINT at any point: one line, not Typer's silent exit or a traceback
        fail("interrupted: documents committed so far are kept; run the same command again to finish "
             "(it cleans up anything half-written)", code=130)
    for outcome in report.failed:
        err.print(f"[red]failed[/] {escape(one_line(outcome.path))}: {escape(outcome.reason)}", highlight=False)
    table = Table(title=f"Ingest summary ({report.seconds:.1f} s)")
    for column in ("added", "updated", "skipped", "removed", "failed", "chunks written", "index chunks"):
        table.add_column(column, justify="right")
    table.add_row(*(str(report.count(s)) for s in ("added", "updated", "skipped", "removed", "failed")),
                  str(report.chunks_written), str(store.count_chunks()))
    out.print(table)
    if report.swept_orphans:
        out.print(f"cleaned up {report.swept_orphans} chunks left by an interrupted ingest")
    if report.failed:
        raise typer.Exit(1)


def _run_ingest(paths: list[Path], data_dir: Path | None, prune: bool, force: bool, max_file_mb: float | None,
                overrides: dict[str, str | None]) -> tuple[Any, Any]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest import IngestBusy, IngestOptions
    from ingest import ingest as run_ingest
    from vectorstore import StoreUnavailable

    settings = settings_for(data_dir, max_file_mb=max_file_mb)
    store = open_store(settings)
    options = IngestOptions.from_settings(settings, overrides={k: v for k, v in overrides.items() if v}, prune=prune,
                                          force=force)

    def run(progress: Any) -> Any:
        try:
            return run_ingest(store, list(paths), options, lock_dir=settings.data_dir, progress=progress)
        except (IngestBusy, StoreUnavailable) as exc:
            fail(str(exc))

    if not err.is_terminal:  # a log or a pipe: a plain line every few seconds instead of a live bar
        return store, run(_log_lines())
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} files"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("reading files", total=None)

        def progress(done: int, total: int, stage: str) -> None:
            bar.update(task, completed=done, total=total or None, description=stage)

        return store, run(progress)


#: Seconds between two progress lines when ingest's output goes to a log or a pipe.
LOG_EVERY = 5.0


def _log_lines() -> Any:
    """Ingest's progress as plain lines: every LOG_EVERY seconds, and whenever the stage changes."""
    last: list[Any] = [float("-inf"), ""]  # when the last line was printed, and its stage

    def progress(done: int, total: int, stage: str) -> None:
        now, what = time.monotonic(), stage.split(" ", 1)[0]
        if now - last[0] >= LOG_EVERY or what != last[1]:
            last[:] = [now, what]
            err.print(f"ingest: {done}/{total} files, {stage}", highlight=False, soft_wrap=True)

    return progress


@app.command()
def status(data_dir: DataDir = None,
           as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False) -> None:
    """Show the index: documents with their metadata, chunk counts, model and location."""
    from assistant.service import index_status

    settings = settings_for(data_dir)
    info = index_status(settings, open_store(settings)).to_dict()
    if as_json:
        sys.stdout.write(json.dumps(info, indent=2) + "\n")
        return
    table = Table(title=f"{len(info['documents'])} documents, {info['total_chunks']} chunks — {escape(info['path'])}")
    for column in ("source", "title", "date", "council", "type", "inspection", "chunks"):
        table.add_column(column, overflow="fold")
    for d in info["documents"]:
        table.add_row(*(escape(str(v)) for v in (d["source"], d["title"][:70], d["date"], d["council"],
                                                  d["doc_type"], d["inspection_type"], d["chunks"])))
    out.print(table)
    out.print(f"embedding model: {info['embedding_model']} ({info['mode']} index)")


@app.command()
def glossary(data_dir: DataDir = None,
             as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False) -> None:
    """Print the acronyms mined from the indexed documents, with their long forms."""
    from assistant.glossary import Glossary

    settings = settings_for(data_dir)
    terms = Glossary.from_store(open_store(settings)).terms
    if as_json:
        sys.stdout.write(json.dumps(terms, indent=2, sort_keys=True) + "\n")
        return
    table = Table(title=f"{len(terms)} acronyms")
    table.add_column("acronym")
    table.add_column("long form")
    for acronym, long_form in sorted(terms.items()):
        table.add_row(escape(acronym), escape(long_form))
    out.print(table)


def _filters(council: str | None, year_from: int | None, year_to: int | None, doc_type: str | None,
             inspection_type: str | None, section: str | None, source: str | None) -> Any:
    from domain.facets import Filters

    return Filters(council=council, year_from=year_from, year_to=year_to, doc_type=doc_type,
                   inspection_type=inspection_type, section=section, source=source)


def require_index(settings: Settings) -> None:
    """Asking a local index that was never created is a typo or a missing ingest: say so, create nothing."""
    if not settings.server_mode and not settings.chroma_path.is_dir():
        fail(f"no index at {settings.data_dir}: run 'inspection-assistant ingest <folder> --data-dir "
             f"{settings.data_dir}' first (or check --data-dir / INSPECTION_ASSISTANT_DATA_DIR)")


def empty_index(settings: Settings) -> None:
    fail(f"the index at {settings.data_dir} has no documents: run "
         f"'inspection-assistant ingest <folder> --data-dir {settings.data_dir}' first")


def _batch_result(assistant: Any, line: str, number: int, filters: Any) -> dict[str, Any]:
    """One JSON line of --batch output; a malformed input line gives an "error" object, not a traceback."""
    from assistant.core import QuestionError

    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": number, "error": f"line {number}: not valid JSON ({exc.msg})"}
    if not isinstance(item, dict) or not isinstance(item.get("question"), str):
        return {"id": item.get("id", number) if isinstance(item, dict) else number,
                "error": f"line {number}: expected an object with a string \"question\""}
    try:
        return {"id": item.get("id", number), **assistant.ask(item["question"], filters=filters).to_dict()}
    except QuestionError as exc:
        return {"id": item.get("id", number), "error": str(exc)}


def open_assistant(settings: Settings) -> Any:
    from assistant.core import Assistant

    return Assistant(settings, open_store(settings))


def scope_note(answer: Any) -> str:
    from assistant.export import scope_label

    return scope_label(answer.scope)


def print_answer(answer: Any) -> None:
    if answer.scope:
        out.print(f"[dim]({escape(scope_note(answer))})[/]", highlight=False)
    if answer.abstained:
        out.print(f"[yellow]{escape(answer.text or answer.notice)}[/]", highlight=False)
        if answer.notice and answer.text:
            out.print(f"[dim]({escape(answer.notice)})[/]", highlight=False)
        for i, p in enumerate(answer.passages[:3], start=1):
            c = p.chunk
            out.print(f"  closest {i}: {c.source} — {c.section} {c.paragraph} (score {p.score:.2f})", highlight=False,
                      markup=False)
        return
    out.print(answer.text, highlight=False, markup=False)  # document text: "[/b]" must print, not crash
    out.print()
    out.print("[bold]References[/]")
    for c in answer.citations:
        out.print(f"[{c.n}] {c.reference()}", highlight=False, markup=False)
        out.print(f"    “{c.quote}”", highlight=False, markup=False)


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question (omit with --batch).")] = None,
    data_dir: DataDir = None,
    k: Annotated[int | None, typer.Option("-k", "--k", help="Passages to consider and cite.")] = None,
    backend: Annotated[str | None, typer.Option(help="offline | openai | ollama | llamacpp")] = None,
    council: Annotated[str | None, typer.Option(help="Only this council/area.")] = None,
    year_from: Annotated[int | None, typer.Option(help="Only documents dated this year or later.")] = None,
    year_to: Annotated[int | None, typer.Option(help="Only documents dated this year or earlier.")] = None,
    doc_type: Annotated[str | None, typer.Option(help="e.g. 'inspection letter', 'committee report'.")] = None,
    inspection_type: Annotated[str | None, typer.Option(help="JTAI | ILACS")] = None,
    section: Annotated[str | None, typer.Option(help="A heading or a kind: strengths, improvement, …")] = None,
    source: Annotated[str | None, typer.Option(help="Only this file name.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as one JSON object.")] = False,
    batch: Annotated[Path | None, typer.Option(help="JSONL with id and question per line; prints JSONL.")] = None,
) -> None:
    """Answer a question with cited passages (or say the documents don't cover it)."""
    from assistant.core import QuestionError, validate_question
    from vectorstore import StoreUnavailable

    settings = settings_for(data_dir, k=k, backend=backend,
                            candidates=max(Settings().candidates, k or 0) if k else None)
    filters = _filters(council, year_from, year_to, doc_type, inspection_type, section, source)
    if batch is None and question is None:
        fail("give a question, or --batch FILE.jsonl")
    lines: list[str] = []
    if batch is not None:
        try:
            lines = batch.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            fail(f"batch file not found: {batch}")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read the batch file {batch}: {exc}")
    else:
        try:  # a bad question is refused before anything is loaded or created
            validate_question(question or "", settings.max_question_chars)
        except QuestionError as exc:
            fail(str(exc))
    require_index(settings)
    assistant = open_assistant(settings)
    try:
        if assistant.retriever.is_empty():
            empty_index(settings)
        if batch is not None:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    sys.stdout.write(json.dumps(_batch_result(assistant, line, number, filters),
                                                ensure_ascii=False) + "\n")
            return
        answer = assistant.ask(question or "", filters=filters)
    except QuestionError as exc:
        fail(str(exc))
    except StoreUnavailable as exc:
        fail(str(exc))
    except Exception as exc:  # e.g. an unreachable LLM endpoint: one line, not a traceback
        if type(exc).__name__ in ("APIConnectionError", "ConnectError", "ConnectionError", "LLMUnavailable"):
            fail(f"the answering backend is unreachable ({exc}): check its URL or use --backend offline")
        raise
    if as_json:
        sys.stdout.write(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_answer(answer)


@app.command()
def judgements(
    data_dir: DataDir = None,
    council: Annotated[str | None, typer.Option(help="Only this council (any spelling: 'Hull', 'North Northants').")]
    = None,
    framework: Annotated[str | None, typer.Option(help="A framework ('ILACS short', 'SIF') or a family ('ILACS').")]
    = None,
    latest: Annotated[bool, typer.Option("--latest", help="Each council's latest graded inspection only.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list, one object per report.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (grades, then each cell's page and quote).")]
    = False,
) -> None:
    """The judgements table: each Ofsted report's council, framework, dates, lead inspector and grades."""
    from assistant.judgements import check_framework, council_name, judgement_rows, to_csv

    if as_json and as_csv:
        fail("choose one of --json and --csv")
    try:  # a misspelt council or framework is refused before anything is opened
        if council:
            council_name(council)
        if framework:
            check_framework(framework)
    except ValueError as exc:
        fail(str(exc))
    settings = settings_for(data_dir)
    require_index(settings)
    store = open_store(settings)
    documents = store.list_documents()
    if not documents:
        empty_index(settings)
    rows = judgement_rows(documents, council=council, framework=framework, latest=latest)
    if as_json:
        sys.stdout.write(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2) + "\n")
    elif as_csv:
        sys.stdout.write(to_csv(rows))
    else:
        print_judgements(rows, total=len(documents))


def print_judgements(rows: list[Any], total: int) -> None:
    from rich.measure import Measurement

    if not rows:
        out.print(f"no Ofsted inspection report matches (of {total} indexed documents)", highlight=False)
        return
    # Piped output is not squeezed to the other commands' 140 columns: a report's row stays one line to grep
    console = out if sys.stdout.isatty() else Console(soft_wrap=True, width=240)
    table = _judgements_table(rows, short=False)
    short = Measurement.get(console, console.options.update(max_width=10_000), table).maximum > console.width
    if short:  # a narrow terminal: Ofsted's own abbreviations rather than words broken mid-way
        table = _judgements_table(rows, short=True)
    console.print(table)
    if short:
        console.print("O outstanding · G good · RI requires improvement · A adequate · I inadequate · – not stated",
                      highlight=False)


GRADE_ABBREVIATIONS = {"outstanding": "O", "good": "G", "requires improvement": "RI", "adequate": "A",
                       "inadequate": "I"}


def _judgements_table(rows: list[Any], short: bool) -> Table:
    from rich import box

    from assistant.judgements import AREA_HEADINGS, AREA_KEYS

    table = Table(title=f"{len(rows)} Ofsted reports", box=box.SIMPLE_HEAD, show_edge=False, title_justify="left")
    for column in ("council", "framework", "inspected", "published", "lead inspector",
                   *(AREA_HEADINGS[k] for k in AREA_KEYS)):
        table.add_column(column, overflow="fold")
    for r in rows:
        inspected = " to ".join(d for d in dict.fromkeys((r.inspection_start, r.inspection_end)) if d)
        grades = [GRADE_ABBREVIATIONS.get(g, g) if short else g for g in (r.grades[k] for k in AREA_KEYS)]
        cells = (r.council, r.framework, inspected, r.published, r.lead_inspector, *grades)
        table.add_row(*(escape(c) if c else "–" for c in cells))
    return table


@app.command(name="eval")
def evaluate(
    qa: Annotated[list[Path] | None, typer.Option("--qa", help="Q&A JSONL file(s); default: the sample set.")] = None,
    data_dir: DataDir = None,
    k: Annotated[int | None, typer.Option("--k", help="Passages to consider and cite.")] = None,
    backend: Annotated[str | None, typer.Option(help="offline | openai | ollama | llamacpp")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Where report.json and report.md go.")] = Path("eval/out"),
    baseline: Annotated[Path | None, typer.Option(help="A previous report.json to compare with.")] = None,
    fail_under: Annotated[list[str] | None, typer.Option("--fail-under", help="metric=value floor; repeatable.")] = None,
    corpus: Annotated[Path | None, typer.Option(help="Ingest this folder into a throwaway index first.")] = None,
    compare_naive: Annotated[bool, typer.Option("--compare-naive/--no-compare-naive",
                                                help="Also score a naive LangChain pipeline.")] = True,
    only: Annotated[list[str] | None, typer.Option("--only", help="field=value: only these items (e.g. ci=true, "
                                                   "split=holdout, kind=grade); repeatable.")] = None,
) -> None:
    """Score the assistant on known Q&A pairs: retrieval, citations, coverage, abstention, latency."""
    from eval.metrics import fmt
    from eval.orchestrate import SAMPLE_QA, EvalError, EvalRequest, parse_floors, parse_only
    from eval.orchestrate import evaluate as run_evaluation
    from eval.runner import HEADLINE
    from vectorstore import ModelUnavailable, StoreUnavailable

    try:
        request = EvalRequest(qa_files=qa or [SAMPLE_QA], settings=settings_for(data_dir, k=k, backend=backend),
                              out_dir=out_dir, baseline=baseline, floors=parse_floors(fail_under or []),
                              corpus=corpus, compare_naive=compare_naive, only=parse_only(only or []))
        outcome = run_evaluation(request)
    except (EvalError, StoreUnavailable, ModelUnavailable) as exc:
        fail(str(exc))
    for path, reason in outcome.ingest_failures:
        err.print(f"[red]failed[/] {escape(one_line(path))}: {escape(reason)}", highlight=False)
    run = outcome.run
    groups = run.per_kind or run.per_type  # the real-report set reports by question kind
    table = Table(title=f"{run.metrics['questions']} questions, {run.metrics['passed']} passed ({run.seconds:.1f} s)")
    table.add_column("metric")
    table.add_column("overall", justify="right")
    for t in groups:
        table.add_column(t, justify="right")
    if run.naive:
        table.add_column("naive", justify="right")
    for key in HEADLINE:
        if run.metrics.get(key) is None and not any(g.get(key) is not None for g in groups.values()):
            continue  # a metric this set has nothing for (e.g. council lists without aggregate questions)
        row = [key, fmt(run.metrics[key])] + [fmt(groups[t].get(key)) for t in groups]
        if run.naive:
            row.append(fmt(run.naive["overall"].get(key)))
        table.add_row(*row)
    out.print(table)
    lat = Table(title="latency (ms)")
    for col in ("stage", "p50", "p95"):
        lat.add_column(col)
    for stage, v in run.latency.items():
        lat.add_row(stage, f"{v['p50']:.1f}", f"{v['p95']:.1f}")
    out.print(lat)
    failed_ids = [r["id"] for r in run.results if not r["passed"]]
    out.print(f"failed: {', '.join(failed_ids) or 'none'}")
    out.print(f"reports: {outcome.json_path} {outcome.md_path}", markup=False)
    if run.comparison:
        c = run.comparison
        out.print(f"vs baseline — worse: {', '.join(c['worse']) or 'none'}; better: {', '.join(c['better']) or 'none'}")
    for problem in outcome.problems:
        err.print(f"[bold red]gate:[/] {escape(problem)}", highlight=False)
    if outcome.problems:
        raise typer.Exit(1)


@app.command(name="app")
def run_app(data_dir: DataDir = None,
            port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
            address: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1") -> None:
    """Start the Streamlit chat UI."""
    import os
    import subprocess

    settings = settings_for(data_dir)
    env = {**os.environ, "INSPECTION_ASSISTANT_DATA_DIR": str(settings.data_dir)}
    app_path = Path(__file__).resolve().parent.parent / "app.py"
    out.print(f"starting the chat UI on http://{address}:{port} (Ctrl+C to stop)")
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_path), "--server.headless", "true",
           "--server.port", str(port), "--server.address", address, "--browser.gatherUsageStats", "false",
           "--client.toolbarMode", "minimal"]
    raise typer.Exit(subprocess.call(cmd, env=env))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
