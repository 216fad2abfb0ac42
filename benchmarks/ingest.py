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

#: Text files have no pages: count one page-equivalent per this many characters (an A4 page of these
#: documents holds ~2,800 characters: data/sample_pdf).
CHARS_PER_PAGE = 3000


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/ia-bench"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", default="ingest.json")
    args = parser.parse_args()
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
