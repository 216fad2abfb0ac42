"""The `inspection-assistant` command line. An entry layer like app.py: it wires ingest/ and assistant/."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from assistant.config import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Ask questions of inspection letters and committee reports, with cited passages.")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[Optional[Path], typer.Option("--data-dir", help="Index folder (env INSPECTION_ASSISTANT_DATA_DIR).")]


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings_for(data_dir: Path | None, **overrides: Any) -> Settings:
    try:
        return Settings.from_env(data_dir=data_dir, **overrides)
    except ValueError as exc:
        fail(str(exc))
        raise  # unreachable


def open_store(settings: Settings) -> Any:
    from vectorstore import ModelUnavailable, StoreUnavailable

    try:
        return settings.open_store()
    except (StoreUnavailable, ModelUnavailable) as exc:
        fail(str(exc))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (walked recursively).")],
    data_dir: DataDir = None,
    prune: Annotated[bool, typer.Option(help="Remove indexed documents whose files are gone from these folders.")] = False,
    force: Annotated[bool, typer.Option(help="Re-index even unchanged files.")] = False,
    title: Annotated[Optional[str], typer.Option(help="Override the title of every file ingested.")] = None,
    date: Annotated[Optional[str], typer.Option(help="Override the date (YYYY-MM-DD).")] = None,
    council: Annotated[Optional[str], typer.Option(help="Override the council/area.")] = None,
    doc_type: Annotated[Optional[str], typer.Option(help="Override the document type.")] = None,
    inspection_type: Annotated[Optional[str], typer.Option(help="Override the inspection type.")] = None,
    max_file_mb: Annotated[Optional[float], typer.Option(help="Refuse files larger than this.")] = None,
) -> None:
    """Chunk, embed and index letters and reports (PDF, .txt, .md). Unchanged files are skipped."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ingest import IngestBusy, IngestOptions
    from ingest import ingest as run_ingest
    from vectorstore import StoreUnavailable

    settings = settings_for(data_dir, max_file_mb=max_file_mb)
    overrides = {k: v for k, v in dict(title=title, date=date, council=council, doc_type=doc_type,
                                       inspection_type=inspection_type).items() if v}
    store = open_store(settings)
    options = IngestOptions(overrides=overrides, prune=prune, force=force, max_file_mb=settings.max_file_mb,
                            max_tokens=settings.chunk_max_tokens)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} texts"),
                  TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("reading files", total=None)

        def progress(done: int, total: int, stage: str) -> None:
            bar.update(task, completed=done, total=total or None, description=stage)

        try:
            report = run_ingest(store, list(paths), options, lock_dir=settings.data_dir, progress=progress)
        except (IngestBusy, StoreUnavailable) as exc:
            fail(str(exc))
    for outcome in report.failed:
        err.print(f"[red]failed[/] {outcome.path}: {outcome.reason}", highlight=False)
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


def index_status(settings: Settings, store: Any) -> dict[str, Any]:
    docs = store.list_documents()
    return {
        "documents": [
            {"source": d.source, "path": d.path, "title": d.title, "date": d.date, "council": d.council,
             "doc_type": d.doc_type, "inspection_type": d.inspection_type, "chunks": d.chunks,
             "pages": d.pages, "content_hash": d.content_hash, "ingested_at": d.ingested_at}
            for d in docs
        ],
        "total_chunks": store.count_chunks(),
        "total_sentences": store.count_sentences(),
        "embedding_model": store.embedder.name,
        "embedding_model_path": store.embedder.model_path,
        "path": store.location,
        "mode": "server" if settings.server_mode else "embedded",
    }


@app.command()
def status(data_dir: DataDir = None,
           as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False) -> None:
    """Show the index: documents with their metadata, chunk counts, model and location."""
    settings = settings_for(data_dir)
    info = index_status(settings, open_store(settings))
    if as_json:
        sys.stdout.write(json.dumps(info, indent=2) + "\n")
        return
    table = Table(title=f"{len(info['documents'])} documents, {info['total_chunks']} chunks — {info['path']}")
    for column in ("source", "title", "date", "council", "type", "inspection", "chunks"):
        table.add_column(column, overflow="fold")
    for d in info["documents"]:
        table.add_row(d["source"], d["title"][:70], d["date"], d["council"], d["doc_type"], d["inspection_type"],
                      str(d["chunks"]))
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
        table.add_row(acronym, long_form)
    out.print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
