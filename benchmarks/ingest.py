#!/usr/bin/env python3
"""Ingest throughput on generated inspection-style corpora, beside the embedder's own throughput.

For each size (documents) a fresh subprocess (so peak memory is per size):
  1. generates the corpus (benchmarks/corpus_gen.py; cached in the work folder; not timed),
  2. loads the model (timed separately: a one-off per process) and prepares, untimed, exactly the texts ingest
     will embed (chunk texts with their "title — section:" prefixes, and the sentence texts),
  3. times ``Embedder.encode`` alone on those texts,
  4. times ``ingest.ingest`` into a fresh embedded index (documents/s, pages/s, chunks/s; and the time spent
     inside ``Embedder.encode`` during it),
  5. times a second ingest of the unchanged files (should do almost nothing),
  6. times the embedder alone again; ingest/embedder uses the mean of 3 and 6 (the machine is shared).

    python benchmarks/ingest.py [--sizes 100 1000] [--work /tmp/ia-bench] [--seed 7]
Writes benchmarks/out/ingest.json and prints a table.

Real reports against the LangChain tutorial pipeline (issue 16):

    python benchmarks/ingest.py --real [FOLDER] [--limit N] [--runs 3] [--work /tmp/ia-bench-real]

FOLDER (default ../shared/ilacs from the repository) gives its first N report PDFs in sorted order (HTML pages
named .pdf are skipped by both pipelines and counted). Each run is four fresh subprocesses, in turn:
(a) the product's ``ingest.ingest`` into a fresh embedded index, (a') the same with sentence vectors pooled
from the chunks' own pass (``sentence_vectors="pooled"``), (b) the tutorial pipeline (PyPDFLoader pages,
RecursiveCharacterTextSplitter(1000/200), langchain_chroma with the packaged embedder: benchmarks/_real.py) into
a fresh Chroma folder, (c) ``Embedder.encode`` alone on exactly the texts the product embeds. The model load is
timed apart (a one-off per process). Medians over runs; product/tutorial is the median of each run's ratio.
The last run's two indexes are kept as WORK/index and WORK/index-tutorial (for query.py --real-index).
Writes benchmarks/out/ingest-real.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This file is called ingest.py: keep its folder off sys.path so `import ingest` finds the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from benchmarks._common import (  # noqa: E402
    background_load,
    machine,
    peak_rss_mb,
    stamp,
    table,
    write_json,
)
from benchmarks._real import DEFAULT_FOLDER  # noqa: E402

#: Text files have no pages: count one page-equivalent per this many characters (an A4 page of these
#: documents holds ~2,800 characters: data/sample_pdf).
CHARS_PER_PAGE = 3000
DEFAULT_WORK = Path("/tmp/ia-bench")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def corpus_for(work: Path, n: int, seed: int) -> tuple[Path, dict[str, int]]:
    from benchmarks.corpus_gen import generate

    folder = work / f"corpus-n{n}-s{seed}"
    stats_file = folder / ".stats.json"
    if stats_file.exists():
        return folder, json.loads(stats_file.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    t = time.perf_counter()
    stats = generate(folder, n, seed)
    stats["generate_s"] = round(time.perf_counter() - t, 1)
    stats_file.write_text(json.dumps(stats))
    return folder, stats


def child(n: int, work: Path, seed: int) -> dict:
    from assistant.config import Settings
    from ingest import IngestOptions, ingest
    from ingest.loaders import discover, load_file
    from ingest.pipeline import PreparedDocument, prepare_document
    from vectorstore import token_counter

    corpus, stats = corpus_for(work, n, seed)
    data_dir = work / f"index-n{n}"
    shutil.rmtree(data_dir, ignore_errors=True)
    settings = Settings.from_env(data_dir=data_dir)
    before = background_load()

    t = time.perf_counter()
    store = settings.open_store()
    store.embedder.encode_one("warm up")
    token_counter(store.embedder.model_path)
    model_load_s = time.perf_counter() - t

    # Exactly the texts ingest will embed (prepared outside any timing): chunk texts with their prefixes, and the
    # sentence texts.
    files, _ = discover([corpus])
    count = token_counter(store.embedder.model_path)
    chunk_texts: list[str] = []
    sentence_texts: list[str] = []
    for path in files:
        record, cks, sents = prepare_document(load_file(path, 50_000_000), {}, settings.chunk_max_tokens, count)
        chunk_texts += PreparedDocument(record, cks, sents, "added").embed_texts()
        sentence_texts += [s.text for s in sents]

    def embedder_alone() -> float:
        t0 = time.perf_counter()
        store.embedder.encode(chunk_texts)
        store.embedder.encode(sentence_texts)
        return time.perf_counter() - t0

    # The machine is shared: the embedder alone is timed before AND after the ingest, and the ratio uses their
    # mean. The embedder's share of the ingest's own wall time (timed inside the same run) is load-proof.
    embedder_before_s = embedder_alone()
    log(f"n={n}: embedder alone (before) took {embedder_before_s:.1f} s")

    embed_seconds = [0.0]
    real_encode = store.embedder.encode

    def timed_encode(texts, show_progress=False):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return real_encode(texts, show_progress)
        finally:
            embed_seconds[0] += time.perf_counter() - t0

    store.embedder.encode = timed_encode  # type: ignore[method-assign]
    log(f"n={n}: ingest of {stats['documents']} files ({stats['pdf']} PDF) starts")
    t = time.perf_counter()
    report = ingest(store, [corpus], IngestOptions(), lock_dir=data_dir)
    ingest_s = time.perf_counter() - t
    rss_ingest = peak_rss_mb()
    inside_embed_s = embed_seconds[0]
    store.embedder.encode = real_encode  # type: ignore[method-assign]
    log(f"n={n}: ingest took {ingest_s:.1f} s ({inside_embed_s:.1f} s embedding)")

    docs = store.list_documents()
    chunks, sentences = store.count_chunks(), store.count_sentences()
    assert len(chunk_texts) == chunks and len(sentence_texts) == sentences, (len(chunk_texts), chunks)
    pdf_pages = sum(d.pages for d in docs if d.file_type == "pdf")
    text_pages = sum(max(1, math.ceil(d.size_bytes / CHARS_PER_PAGE)) for d in docs if d.file_type != "pdf")

    t = time.perf_counter()
    rerun = ingest(store, [corpus], IngestOptions(), lock_dir=data_dir)
    rerun_s = time.perf_counter() - t
    log(f"n={n}: re-run on unchanged files took {rerun_s:.2f} s")

    embedder_after_s = embedder_alone()
    embedder_s = (embedder_before_s + embedder_after_s) / 2
    log(f"n={n}: embedder alone (after) took {embedder_after_s:.1f} s")
    after = background_load()

    pages = pdf_pages + text_pages
    return {
        "documents": len(docs), "pdf_documents": stats["pdf"], "pdf_pages": pdf_pages,
        "text_page_equivalents": text_pages, "pages": pages, "words": stats["words"],
        "chunks": chunks, "sentences": sentences, "texts_embedded": chunks + sentences,
        "failed": len(report.failed), "model_load_s": round(model_load_s, 2),
        "ingest_s": round(ingest_s, 2), "ingest_embedding_s": round(inside_embed_s, 2),
        "docs_per_s": round(len(docs) / ingest_s, 2), "pages_per_s": round(pages / ingest_s, 2),
        "chunks_per_s": round(chunks / ingest_s, 2), "texts_per_s": round((chunks + sentences) / ingest_s, 2),
        "embedder_s": round(embedder_s, 2), "embedder_before_s": round(embedder_before_s, 2),
        "embedder_after_s": round(embedder_after_s, 2),
        "embedding_share_of_ingest": round(inside_embed_s / ingest_s, 3),
        "embedder_chunks_per_s": round(chunks / embedder_s, 2),
        "embedder_texts_per_s": round((chunks + sentences) / embedder_s, 2),
        "ingest_over_embedder": round(embedder_s / ingest_s, 3),
        "rerun_s": round(rerun_s, 3), "rerun_skipped": rerun.count("skipped"),
        "rerun_chunks_written": rerun.chunks_written, "peak_rss_mb": rss_ingest,
        "index_mb": round(sum(p.stat().st_size for p in data_dir.rglob("*") if p.is_file()) / 1e6, 1),
        "load_before": before, "load_after": after,
    }


# -- real reports vs the tutorial pipeline ---------------------------------------------------------------------
REAL_PIPELINES = ("product", "product-pooled", "tutorial", "embedder")


def real_child(pipeline: str, run: int, folder: Path, limit: int | None, work: Path) -> dict:
    """One (pipeline, run) in this fresh process; model loading is timed apart from the work."""
    from assistant.config import Settings
    from benchmarks._real import build_tutorial, select_files

    selection = select_files(folder, limit)
    before = background_load()
    settings = Settings.from_env(data_dir=work / f"{pipeline}-run{run}")
    shutil.rmtree(settings.data_dir, ignore_errors=True)
    t = time.perf_counter()
    if pipeline.startswith("product"):
        store = settings.open_store()
        embedder = store.embedder
    else:  # the same packaged Embedder as open_store() makes, without opening a product index
        from vectorstore import Embedder

        embedder = Embedder(settings.embedding_model_path or None)
    embedder.encode(["warm up"])
    from vectorstore import token_counter

    count = token_counter(embedder.model_path)
    model_load_s = time.perf_counter() - t
    out: dict = {"pipeline": pipeline, "run": run, "model_load_s": round(model_load_s, 2),
                 "skipped_not_pdf": len(selection.skipped)}

    if pipeline.startswith("product"):
        from ingest import IngestOptions, ingest

        # "product-pooled": sentence vectors from the chunks' own pass (Settings.sentence_vectors = "pooled")
        options = IngestOptions(sentence_vectors="pooled" if pipeline == "product-pooled" else "separate")
        log(f"run {run}: {pipeline} ingest of {len(selection.files)} files")
        t = time.perf_counter()
        report = ingest(store, selection.files, options, lock_dir=settings.data_dir)
        seconds = time.perf_counter() - t
        docs = store.list_documents()
        out.update(files=len(docs), pages=sum(d.pages for d in docs), chunks=store.count_chunks(),
                   sentences=store.count_sentences(), failed=[f"{o.path}: {o.reason}" for o in report.failed])
    elif pipeline == "tutorial":
        log(f"run {run}: tutorial pipeline on {len(selection.files)} files")
        t = time.perf_counter()
        built = build_tutorial(selection.files, settings.data_dir, embedder)
        seconds = time.perf_counter() - t
        out.update(files=built.files, pages=built.pages, chunks=built.chunks, sentences=0, failed=built.failed)
    else:
        from ingest.loaders import IngestError, load_file
        from ingest.pipeline import PreparedDocument, prepare_document

        # Exactly the texts the product's ingest embeds, prepared untimed (as child() does).
        chunk_texts: list[str] = []
        sentence_texts: list[str] = []
        pages = files = 0
        failed = []
        for path in selection.files:
            try:
                source = load_file(path, 50_000_000)
                record, cks, sents = prepare_document(source, {}, settings.chunk_max_tokens, count)
            except IngestError as exc:
                failed.append(f"{path}: {exc.reason}")
                continue
            files += 1
            pages += record.pages
            chunk_texts += PreparedDocument(record, cks, sents, "added").embed_texts()
            sentence_texts += [s.text for s in sents]
        log(f"run {run}: embedder alone on {len(chunk_texts)} chunk + {len(sentence_texts)} sentence texts")
        t = time.perf_counter()
        embedder.encode(chunk_texts)
        embedder.encode(sentence_texts)
        seconds = time.perf_counter() - t
        out.update(files=files, pages=pages, chunks=len(chunk_texts), sentences=len(sentence_texts), failed=failed)
    log(f"run {run}: {pipeline} took {seconds:.1f} s")
    out.update(seconds=round(seconds, 2), peak_rss_mb=peak_rss_mb(), load_before=before, load_after=background_load())
    return out


def _median(values: list[float]) -> float:
    xs = sorted(values)
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def real_main(folder: Path, limit: int | None, runs: int, work: Path, out_name: str) -> None:
    from benchmarks._real import select_files

    work.mkdir(parents=True, exist_ok=True)
    selection = select_files(folder, limit)
    log(f"{len(selection.files)} report PDFs from {folder} ({len(selection.skipped)} not PDFs inside: skipped)")
    per_run: list[dict[str, dict]] = []
    started = time.perf_counter()
    for run in range(1, runs + 1):
        results: dict[str, dict] = {}
        for pipeline in REAL_PIPELINES:  # interleaved, so a change of the machine's load hits all of them alike
            cmd = [sys.executable, __file__, "--real-child", pipeline, "--run", str(run), "--work", str(work),
                   "--real", str(folder)] + (["--limit", str(limit)] if limit else [])
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
            if proc.returncode != 0:
                raise SystemExit(f"{pipeline} run {run} failed (exit {proc.returncode})")
            results[pipeline] = json.loads(proc.stdout.strip().splitlines()[-1])
        if results["product"]["failed"] or results["tutorial"]["failed"]:
            log(f"run {run}: failures product={results['product']['failed']} tutorial={results['tutorial']['failed']}")
        per_run.append(results)
        log(f"run {run}: product {results['product']['seconds']} s, tutorial {results['tutorial']['seconds']} s, "
            f"embedder {results['embedder']['seconds']} s")
    # Keep the last run's indexes for query.py --real-index; drop the rest (each is hundreds of MB).
    for name, keep in (("product", work / "index"), ("tutorial", work / "index-tutorial")):
        shutil.rmtree(keep, ignore_errors=True)
        (work / f"{name}-run{runs}").rename(keep)
    for run in range(1, runs + 1):
        for name in REAL_PIPELINES:
            shutil.rmtree(work / f"{name}-run{run}", ignore_errors=True)

    summary: dict[str, dict] = {}
    for name in REAL_PIPELINES:
        rs = [r[name] for r in per_run]
        sec = _median([r["seconds"] for r in rs])
        last = rs[-1]
        summary[name] = {
            "files": last["files"], "pages": last["pages"], "chunks": last["chunks"], "sentences": last["sentences"],
            "texts_embedded": last["chunks"] + last["sentences"], "failed": len(last["failed"]),
            "seconds_median": round(sec, 2), "seconds_runs": [r["seconds"] for r in rs],
            "files_per_s": round(last["files"] / sec, 3), "pages_per_s": round(last["pages"] / sec, 2),
            "chunks_per_s": round(last["chunks"] / sec, 2),
            "texts_per_s": round((last["chunks"] + last["sentences"]) / sec, 2),
            "peak_rss_mb_median": _median([r["peak_rss_mb"] for r in rs]),
            "peak_rss_mb_max": max(r["peak_rss_mb"] for r in rs),
            "model_load_s_median": round(_median([r["model_load_s"] for r in rs]), 2),
        }
    ratios = [r["product"]["seconds"] / r["tutorial"]["seconds"] for r in per_run]
    pooled = [r["product-pooled"]["seconds"] / r["tutorial"]["seconds"] for r in per_run]
    over_embedder = [r["embedder"]["seconds"] / r["product"]["seconds"] for r in per_run]
    headers = ["pipeline", "files", "pages", "chunks", "sentence texts", "s (median)", "files/s", "pages/s",
               "chunks/s", "peak RSS MB"]
    rows = [[name, s["files"], s["pages"], s["chunks"], s["sentences"] if name != "tutorial" else "-",
             s["seconds_median"], s["files_per_s"], s["pages_per_s"], s["chunks_per_s"], s["peak_rss_mb_max"]]
            for name, s in summary.items()]
    print(table(headers, rows))
    ratio = _median(ratios)
    print(f"product-pooled/tutorial time: {_median(pooled):.2f} (per run {', '.join(f'{x:.2f}' for x in pooled)})")
    print(f"product/tutorial time: {ratio:.2f} (median of per-run ratios {', '.join(f'{x:.2f}' for x in ratios)}); "
          f"embedder alone / product ingest: {_median(over_embedder):.2f}; {len(selection.skipped)} file(s) skipped "
          f"(not PDFs inside) by both; runs: {runs}; seconds per run: "
          + "; ".join(f"{n} {summary[n]['seconds_runs']}" for n in REAL_PIPELINES))
    print("(each (pipeline, run) a fresh process; seconds exclude the model load (median "
          f"{summary['product']['model_load_s_median']} s); peak RSS = max over runs, whole process incl. model; "
          "embedder = Embedder.encode alone on the product's chunk + sentence texts)")
    path = write_json(out_name, {
        "benchmark": "ingest-real", "when": stamp(), "machine": machine(), "folder": str(folder), "limit": limit,
        "runs": runs, "selection": selection.to_json(), "summary": summary,
        "product_over_tutorial": round(ratio, 3), "product_over_tutorial_runs": [round(x, 3) for x in ratios],
        "pooled_over_tutorial": round(_median(pooled), 3), "pooled_over_tutorial_runs": [round(x, 3) for x in pooled],
        "embedder_over_product_runs": [round(x, 3) for x in over_embedder],
        "wall_s": round(time.perf_counter() - started, 1), "kept": {"product": str(work / "index"),
                                                                   "tutorial": str(work / "index-tutorial")},
        "per_run": per_run})
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help="default ingest.json, or ingest-real.json with --real")
    parser.add_argument("--real", type=Path, nargs="?", const=DEFAULT_FOLDER, default=None, metavar="FOLDER",
                        help="real report PDFs against the tutorial pipeline (default ../shared/ilacs)")
    parser.add_argument("--limit", type=int, default=None, help="with --real: the first N report PDFs")
    parser.add_argument("--runs", type=int, default=3, help="with --real: runs per pipeline (medians)")
    parser.add_argument("--real-child", choices=REAL_PIPELINES, help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.real is not None:
        work = args.work if args.work != DEFAULT_WORK else Path("/tmp/ia-bench-real")
        if args.real_child:
            sys.stdout.write(json.dumps(real_child(args.real_child, args.run, args.real, args.limit, work)) + "\n")
            return
        real_main(args.real, args.limit, args.runs, work, args.out or "ingest-real.json")
        return
    args.out = args.out or "ingest.json"
    args.work.mkdir(parents=True, exist_ok=True)
    if args.child:
        sys.stdout.write(json.dumps(child(args.child, args.work, args.seed)) + "\n")
        return

    results = []
    for n in args.sizes:
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, __file__, "--child", str(n), "--work", str(args.work),
                               "--seed", str(args.seed)], stdout=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"benchmark for {n} documents failed (exit {proc.returncode})")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["size"] = n
        result["wall_s"] = round(time.perf_counter() - t, 1)
        results.append(result)
    rows = [[r["size"], r["pages"], r["chunks"], r["sentences"], r["ingest_s"], r["docs_per_s"], r["pages_per_s"],
             r["chunks_per_s"], r["embedder_chunks_per_s"], r["ingest_over_embedder"],
             r["embedding_share_of_ingest"], r["rerun_s"], r["peak_rss_mb"]] for r in results]
    print(table(["docs", "pages", "chunks", "sentences", "ingest s", "docs/s", "pages/s", "chunks/s",
                 "embedder chunks/s", "ingest/embedder", "embed share", "re-run s", "peak RSS MB"], rows))
    print("(embedder chunks/s: Embedder.encode alone on the same chunk+sentence texts, per chunk, mean of a run "
          "before and after the ingest; ingest/embedder = embedder time / ingest time; embed share = time inside "
          "Embedder.encode during the ingest / ingest time (same run, so immune to other load); text files count "
          "one page per 3,000 characters)")
    path = write_json(args.out, {"benchmark": "ingest", "when": stamp(), "machine": machine(),
                                 "seed": args.seed, "results": results})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
