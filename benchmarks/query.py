#!/usr/bin/env python3
"""Query latency per stage (p50/p95 over a fixed set of 30 questions), cold start, and index size on disk,
at about 1k, 10k and 100k chunks.

Indexes (built once in the work folder, reused by later runs; --rebuild to start again):
- **1k**: *real* ingest of data/sample plus generated documents (benchmarks/corpus_gen.py) up to ~1,000 chunks.
- **10k / 100k**: a copy of the 1k index plus *synthetic* chunks written straight into Chroma: each is a real
  chunk of the 1k index (text re-placed to another council; its sentences likewise) whose stored embedding, and
  its sentences' embeddings, are reused with small Gaussian noise (sigma 0.01 per dimension, re-normalised;
  cosine to the original ~0.98). Embedding 100k chunks for real would take hours on 2 cores. The answers at
  these sizes are not meaningful (hundreds of near-copies of each passage); the timings are.

Per size: an in-process ``Assistant`` answers each question ``--rounds`` times after a warm-up (per-stage
times from ``Answer.timings_ms`` plus the wall time of ``ask``); then ``--cold`` fresh processes each run
``python -m assistant.cli ask --json`` (process start -> first answer, with the BM25 cache on disk).

    python benchmarks/query.py [--sizes 1000 10000 100000] [--work /tmp/ia-bench] [--rounds 3] [--cold 3]
Writes benchmarks/out/query.json and prints a table.

Real reports against the LangChain tutorial pipeline (issue 16):

    python benchmarks/query.py --real-index DATA_DIR [--tutorial-index DIR] [--rounds 3] [--cold 3]

DATA_DIR is an already-built product index (benchmarks/ingest.py --real keeps one as /tmp/ia-bench-real/index,
or `inspection-assistant ingest FOLDER --data-dir D`). Questions: the ``question`` of every eval/qa/real.jsonl
item whose council is in the index. In a fresh process, ``Assistant.warm_up()`` then every question ``--rounds``
times: per-stage p50/p95 of ``Answer.timings_ms``. Cold start: ``--cold`` fresh ``assistant.cli ask --json``
processes (open + first answer). The tutorial: ``Chroma.similarity_search(q, k=5)`` (benchmarks/_real.py) on an
index of the same files (DATA_DIR + "-tutorial" unless given; built once if missing or of other files), in its
own fresh process, the same questions and rounds after a warm-up. Writes benchmarks/out/query-real.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

from benchmarks._common import (  # noqa: E402
    ROOT,
    background_load,
    dir_size_mb,
    machine,
    peak_rss_mb,
    percentile,
    stamp,
    table,
    write_json,
)

STAGES = ("embed_query", "dense", "bm25", "fuse", "rerank", "compose", "total")
NOISE_SIGMA = 0.01
SEED = 7


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def questions(n: int = 30) -> list[str]:
    items = [json.loads(line) for line in (ROOT / "eval" / "qa" / "sample.jsonl").read_text().splitlines() if line]
    step = len(items) / n
    return [items[int(k * step)]["question"] for k in range(n)]


# -- index building --------------------------------------------------------------------------------------------
def build_real(data_dir: Path, work: Path, target_chunks: int) -> dict[str, Any]:
    """data/sample + generated documents, really ingested, until ~target_chunks."""
    from assistant.config import Settings
    from benchmarks.corpus_gen import generate
    from ingest import IngestOptions, ingest

    shutil.rmtree(data_dir, ignore_errors=True)
    corpus = data_dir.parent / f"{data_dir.name}-corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.copytree(ROOT / "data" / "sample", corpus / "sample")
    # ~9.3 chunks per generated document; 188 chunks in data/sample.
    n_docs = max(1, round((target_chunks - 188) / 9.3))
    generate(corpus / "generated", n_docs, seed=SEED)
    store = Settings.from_env(data_dir=data_dir).open_store()
    t = time.perf_counter()
    report = ingest(store, [corpus], IngestOptions(), lock_dir=data_dir)
    seconds = time.perf_counter() - t
    assert not report.failed, report.failed
    return {"kind": "real ingest", "documents": len(store.list_documents()), "chunks": store.count_chunks(),
            "sentences": store.count_sentences(), "build_s": round(seconds, 1)}


def build_synthetic(data_dir: Path, real_dir: Path, target_chunks: int) -> dict[str, Any]:
    """A copy of the real index plus synthetic chunks (see the module docstring) up to target_chunks."""
    import numpy as np

    from assistant.config import Settings
    from benchmarks.corpus_gen import COUNCILS
    from vectorstore import DocumentRecord

    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.copytree(real_dir, data_dir, ignore=shutil.ignore_patterns("cache", ".ingest.lock"))
    store = Settings.from_env(data_dir=data_dir).open_store()
    t = time.perf_counter()
    chunks = store.chunks.get(include=["documents", "metadatas", "embeddings"])
    sents = store.sentences.get(include=["documents", "metadatas", "embeddings"])
    docs = {d.doc_id: d for d in store.list_documents()}
    by_chunk: dict[str, list[int]] = {}
    for i, m in enumerate(sents["metadatas"]):
        by_chunk.setdefault(m["chunk_id"], []).append(i)
    for idx in by_chunk.values():
        idx.sort(key=lambda i: sents["metadatas"][i]["position"])
    by_doc: dict[str, list[int]] = {}
    for i, m in enumerate(chunks["metadatas"]):
        by_doc.setdefault(m["doc_id"], []).append(i)
    for idx in by_doc.values():
        idx.sort(key=lambda i: chunks["metadatas"][i]["chunk_index"])
    rng = np.random.default_rng(SEED)
    c_emb = np.asarray(chunks["embeddings"], dtype=np.float32)
    s_emb = np.asarray(sents["embeddings"], dtype=np.float32)

    def noisy(vecs: np.ndarray) -> np.ndarray:
        out = vecs + rng.normal(0.0, NOISE_SIGMA, vecs.shape).astype(np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    total = store.count_chunks()
    step = store.max_batch
    buf: dict[str, list[Any]] = {k: [] for k in ("cid", "ctext", "cmeta", "cemb", "sid", "stext", "smeta", "semb")}
    registry: list[DocumentRecord] = []

    def flush() -> None:
        for start in range(0, len(buf["cid"]), step):
            store.chunks.upsert(ids=buf["cid"][start:start + step], documents=buf["ctext"][start:start + step],
                                metadatas=buf["cmeta"][start:start + step],
                                embeddings=noisy(np.asarray(buf["cemb"][start:start + step])))
        for start in range(0, len(buf["sid"]), step):
            store.sentences.upsert(ids=buf["sid"][start:start + step], documents=buf["stext"][start:start + step],
                                   metadatas=buf["smeta"][start:start + step],
                                   embeddings=noisy(np.asarray(buf["semb"][start:start + step])))
        if registry:
            store.put_documents(registry)  # the commit point, as ingest's (bumps the registry version)
        for v in buf.values():
            v.clear()
        registry.clear()

    round_no = 0
    while total < target_chunks:
        round_no += 1
        for doc_id, idx in sorted(by_doc.items()):
            if total >= target_chunks:
                break
            orig = docs.get(doc_id)
            if orig is None:
                continue
            council = COUNCILS[int(rng.integers(len(COUNCILS)))]
            places = [p for p in {orig.council, orig.council.split("-")[0], "Southend-on-Sea", "Southend",
                                  "Cheshire East"} if p]
            places.sort(key=len, reverse=True)

            def replace(text: str, council: str = council, places: list[str] = places) -> str:
                for p in places:
                    text = text.replace(p, council)
                return text

            new_id = hashlib.sha1(f"synthetic-{round_no}-{doc_id}".encode()).hexdigest()[:16]
            new_hash = hashlib.sha256(f"synthetic-{round_no}-{orig.content_hash}".encode()).hexdigest()
            source = f"synthetic-{round_no:04d}-{orig.source}"
            for i in idx[: target_chunks - total]:
                meta = dict(chunks["metadatas"][i])
                cid = f"{new_id}-{new_hash[:10]}-{meta['chunk_index']:04d}"
                sidx = by_chunk.get(chunks["ids"][i], [])
                meta.update(doc_id=new_id, doc_hash=new_hash, source=source, council=council,
                            path=f"/synthetic/{round_no:04d}/{orig.source}", title=replace(meta.get("title", "")),
                            n_sentences=len(sidx))
                buf["cid"].append(cid)
                buf["ctext"].append(replace(chunks["documents"][i]))
                buf["cmeta"].append(meta)
                buf["cemb"].append(c_emb[i])
                for position, j in enumerate(sidx):
                    buf["sid"].append(f"{cid}-s{position:03d}")
                    buf["stext"].append(replace(sents["documents"][j]))
                    buf["smeta"].append({"chunk_id": cid, "doc_id": new_id, "doc_hash": new_hash,
                                         "position": position})
                    buf["semb"].append(s_emb[j])
                total += 1
            n_chunks = min(len(idx), len([c for c in buf["cmeta"] if c["doc_id"] == new_id]))
            registry.append(DocumentRecord(
                doc_id=new_id, path=f"/synthetic/{round_no:04d}/{orig.source}", source=source,
                content_hash=new_hash, title=replace(orig.title), date=orig.date, council=council,
                doc_type=orig.doc_type, inspection_type=orig.inspection_type, file_type=orig.file_type,
                pages=orig.pages, chunks=n_chunks, size_bytes=orig.size_bytes, ingested_at=orig.ingested_at,
                glossary=orig.glossary))
            if len(buf["cid"]) >= 5000:
                flush()
                log(f"  synthetic: {total:,} chunks")
    flush()
    return {"kind": f"real 1k + synthetic (embeddings reused + N(0,{NOISE_SIGMA}) noise)",
            "documents": len(store.list_documents()), "chunks": store.count_chunks(),
            "sentences": store.count_sentences(), "build_s": round(time.perf_counter() - t, 1)}


# -- measuring -------------------------------------------------------------------------------------------------
def time_asks(assistant: Any, qs: list[str], rounds: int) -> tuple[list[dict[str, float]], list[float], int]:
    """``rounds`` passes over ``qs``: each ask's stage timings (ms; "evidence" is a score, not a time, and is
    left out), each ask's wall time (ms), and how many asks abstained."""
    timings: list[dict[str, float]] = []
    wall: list[float] = []
    abstained = 0
    for _ in range(rounds):
        for q in qs:
            t = time.perf_counter()
            answer = assistant.ask(q)
            wall.append((time.perf_counter() - t) * 1000)
            abstained += answer.abstained
            timings.append({s: float(ms) for s, ms in answer.timings_ms.items() if s != "evidence"})
    return timings, wall, abstained


def measure_in_process(data_dir: Path, qs: list[str], rounds: int) -> dict[str, Any]:
    from assistant import Assistant, Settings

    t = time.perf_counter()
    assistant = Assistant(Settings.from_env(data_dir=data_dir))
    first = assistant.ask(qs[0])
    first_s = time.perf_counter() - t
    for q in qs[:3]:  # warm-up
        assistant.ask(q)
    timings, wall, abstained = time_asks(assistant, qs, rounds)
    per_stage = {s: [t.get(s, 0.0) for t in timings] for s in STAGES}
    t = time.perf_counter()
    assistant.refresh()  # the UI's "Reload index" when nothing changed
    refresh_ms = (time.perf_counter() - t) * 1000
    stats = {s: {"p50": round(percentile(v, 0.5), 1), "p95": round(percentile(v, 0.95), 1)}
             for s, v in per_stage.items()}
    stats["ask_wall"] = {"p50": round(percentile(wall, 0.5), 1), "p95": round(percentile(wall, 0.95), 1)}
    return {"stages_ms": stats, "asks": len(wall), "abstained_share": round(abstained / len(wall), 3),
            "first_answer_in_process_s": round(first_s, 2), "first_answer_abstained": first.abstained,
            "refresh_unchanged_ms": round(refresh_ms, 1), "peak_rss_mb": peak_rss_mb()}


def measure_cold(data_dir: Path, question: str, runs: int) -> dict[str, Any]:
    env = {**os.environ, "INSPECTION_ASSISTANT_DATA_DIR": str(data_dir)}
    env.pop("CHROMA_HOST", None)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", question, "--json"], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            raise RuntimeError(f"cold ask failed: {proc.stderr[-2000:]}")
        json.loads(proc.stdout)
    return {"runs_s": [round(x, 2) for x in times], "median_s": round(sorted(times)[len(times) // 2], 2)}


def child(size: int, work: Path, rounds: int, cold: int) -> dict[str, Any]:
    data_dir = work / f"query-{size}"
    qs = questions()
    before = background_load()
    result: dict[str, Any] = {"size": size}
    info_file = data_dir / "bench-index.json"
    result["index"] = json.loads(info_file.read_text())
    result["chunks"] = result["index"]["chunks"]
    result.update(measure_in_process(data_dir, qs, rounds))
    result["cold_start"] = measure_cold(data_dir, qs[0], cold)
    result["index_mb"] = {"chroma": dir_size_mb(data_dir / "chroma"), "bm25_cache": dir_size_mb(data_dir / "cache")}
    result["load_before"], result["load_after"] = before, background_load()
    return result


def ensure_index(size: int, work: Path, rebuild: bool) -> None:
    data_dir = work / f"query-{size}"
    info_file = data_dir / "bench-index.json"
    if info_file.exists() and not rebuild:
        return
    real_dir = work / "query-real"
    real_info = real_dir / "bench-index.json"
    if rebuild or not real_info.exists():
        log("building the real ~1k-chunk index (ingest)")
        info = build_real(real_dir, work, 1000)
        real_info.write_text(json.dumps(info))
    if size <= 1000:
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.copytree(real_dir, data_dir, ignore=shutil.ignore_patterns("cache", ".ingest.lock"))
        info = json.loads(real_info.read_text())
    else:
        log(f"building the {size:,}-chunk index (synthetic)")
        info = build_synthetic(data_dir, real_dir, size)
    info_file.write_text(json.dumps(info))
    log(f"index {size}: {info}")


# -- real index vs the tutorial's similarity search --------------------------------------------------------------
def real_questions(councils: set[str]) -> list[str]:
    items = [json.loads(line) for line in (ROOT / "eval" / "qa" / "real.jsonl").read_text().splitlines() if line]
    wanted = {c.casefold() for c in councils if c}
    return [i["question"] for i in items if i.get("council", "").casefold() in wanted]


def _p(values: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(values, 0.5), 1), "p95": round(percentile(values, 0.95), 1), "n": len(values)}


def real_child(which: str, data_dir: Path, tutorial_dir: Path, rounds: int) -> dict[str, Any]:
    from assistant import Assistant, Settings

    settings = Settings.from_env(data_dir=data_dir)
    before = background_load()
    if which == "product":
        t = time.perf_counter()
        assistant = Assistant(settings)
        qs = real_questions({d.council for d in assistant.store.list_documents()})
        assistant.warm_up()
        warm_up_s = time.perf_counter() - t
        timings, wall, abstained = time_asks(assistant, qs, rounds)
        # A stage a question skips counts as 0 ms for it, so every stage's percentiles are over all asks.
        stages = dict.fromkeys(s for t in timings for s in t)
        stats = {s: _p([t.get(s, 0.0) for t in timings]) for s in stages}
        stats["ask_wall"] = _p(wall)
        return {"which": which, "questions": len(qs), "asks": len(wall), "stages_ms": stats,
                "abstained_share": round(abstained / max(1, len(wall)), 3), "open_and_warm_up_s": round(warm_up_s, 2),
                "peak_rss_mb": peak_rss_mb(), "load_before": before, "load_after": background_load()}

    from benchmarks._real import tutorial_store
    from vectorstore import Embedder

    docs = settings.open_store().list_documents()
    qs = real_questions({d.council for d in docs})
    t = time.perf_counter()
    store = tutorial_store(tutorial_dir, Embedder(settings.embedding_model_path or None))
    for q in qs[:3]:  # warm-up: the question encoder and the HNSW index are loaded
        store.similarity_search(q, k=5)
    warm_up_s = time.perf_counter() - t
    times: list[float] = []
    for _ in range(rounds):
        for q in qs:
            t = time.perf_counter()
            store.similarity_search(q, k=5)
            times.append((time.perf_counter() - t) * 1000)
    return {"which": which, "questions": len(qs), "asks": len(times), "similarity_search_ms": _p(times),
            "open_and_warm_up_s": round(warm_up_s, 2), "peak_rss_mb": peak_rss_mb(), "load_before": before,
            "load_after": background_load()}


def real_index_main(data_dir: Path, tutorial_dir: Path, rounds: int, cold: int, out_name: str) -> None:
    from assistant import Settings
    from benchmarks._real import build_tutorial, tutorial_matches

    docs = Settings.from_env(data_dir=data_dir).open_store().list_documents()
    if not docs:
        raise SystemExit(f"no documents in the index at {data_dir}")
    files = sorted(Path(d.path) for d in docs)
    qs = real_questions({d.council for d in docs})
    if not qs:
        raise SystemExit("no eval/qa/real.jsonl question is about a council of this index")
    log(f"{len(docs)} documents, {len({d.council for d in docs})} councils, {len(qs)} questions")
    tutorial_build = None
    if not tutorial_matches(tutorial_dir, files):
        from vectorstore import Embedder

        log(f"building the tutorial index of the same {len(files)} files in {tutorial_dir}")
        shutil.rmtree(tutorial_dir, ignore_errors=True)
        t = time.perf_counter()
        built = build_tutorial(files, tutorial_dir, Embedder())
        tutorial_build = {**built.to_json(), "seconds": round(time.perf_counter() - t, 1)}
    results: dict[str, Any] = {}
    for which in ("product", "tutorial"):
        log(f"measuring {which}")
        proc = subprocess.run([sys.executable, __file__, "--real-child", which, "--real-index", str(data_dir),
                               "--tutorial-index", str(tutorial_dir), "--rounds", str(rounds)],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
        if proc.returncode != 0:
            raise SystemExit(f"measuring {which} failed (exit {proc.returncode})")
        results[which] = json.loads(proc.stdout.strip().splitlines()[-1])
    log("cold starts")
    results["product"]["cold_start"] = measure_cold(data_dir, qs[0], cold)
    st = results["product"]["stages_ms"]
    tut = results["tutorial"]["similarity_search_ms"]
    ratio = st["total"]["p50"] / tut["p50"] if tut["p50"] else float("inf")
    stages = [s for s in STAGES if s in st] + sorted(s for s in st if s not in STAGES and s != "ask_wall")
    print(table(["stage", "p50 ms", "p95 ms"], [[s, st[s]["p50"], st[s]["p95"]] for s in stages]))
    print(table(["pipeline", "questions", "asks", "p50 ms", "p95 ms", "cold start s", "peak RSS MB"], [
        ["product Assistant.ask (total)", results["product"]["questions"], results["product"]["asks"],
         st["total"]["p50"], st["total"]["p95"], results["product"]["cold_start"]["median_s"],
         results["product"]["peak_rss_mb"]],
        ["tutorial similarity_search k=5", results["tutorial"]["questions"], results["tutorial"]["asks"],
         tut["p50"], tut["p95"], "-", results["tutorial"]["peak_rss_mb"]]]))
    print(f"product p50 / tutorial p50: {ratio:.2f}; documents {len(docs)}, chunks "
          f"{Settings.from_env(data_dir=data_dir).open_store().count_chunks()}; (in-process after warm_up(), "
          f"{rounds} rounds; cold start = median of {cold} fresh `assistant.cli ask --json` processes)")
    path = write_json(out_name, {
        "benchmark": "query-real", "when": stamp(), "machine": machine(), "data_dir": str(data_dir),
        "tutorial_dir": str(tutorial_dir), "tutorial_build": tutorial_build, "documents": len(docs),
        "councils": sorted({d.council for d in docs}), "rounds": rounds, "questions": qs,
        "product_p50_over_tutorial_p50": round(ratio, 3), "results": results})
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/ia-bench"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cold", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help="default query.json, or query-real.json with --real-index")
    parser.add_argument("--label", default="", help="A note stored with the results (e.g. 'before').")
    parser.add_argument("--real-index", type=Path, default=None, metavar="DATA_DIR",
                        help="an already-built product index of real reports, against the tutorial pipeline")
    parser.add_argument("--tutorial-index", type=Path, default=None, help="with --real-index (default DATA_DIR-tutorial)")
    parser.add_argument("--real-child", choices=("product", "tutorial"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.real_index is not None:
        data_dir = args.real_index.resolve()
        tutorial_dir = (args.tutorial_index or data_dir.with_name(data_dir.name + "-tutorial")).resolve()
        if args.real_child:
            sys.stdout.write(json.dumps(real_child(args.real_child, data_dir, tutorial_dir, args.rounds)) + "\n")
            return
        real_index_main(data_dir, tutorial_dir, args.rounds, args.cold, args.out or "query-real.json")
        return
    args.out = args.out or "query.json"
    args.work.mkdir(parents=True, exist_ok=True)
    if args.child:
        sys.stdout.write(json.dumps(child(args.child, args.work, args.rounds, args.cold)) + "\n")
        return
    for size in args.sizes:
        ensure_index(size, args.work, args.rebuild)
    if args.build_only:
        return
    results = []
    for size in args.sizes:
        log(f"measuring {size:,}")
        proc = subprocess.run([sys.executable, __file__, "--child", str(size), "--work", str(args.work),
                               "--rounds", str(args.rounds), "--cold", str(args.cold)],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
        if proc.returncode != 0:
            raise SystemExit(f"measuring {size} failed (exit {proc.returncode})")
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    headers = ["chunks"] + [f"{s} p50/p95" for s in STAGES] + ["cold start s", "index MB"]
    rows = []
    for r in results:
        st = r["stages_ms"]
        rows.append([r["chunks"]] + [f"{st[s]['p50']:.1f} / {st[s]['p95']:.1f}" for s in STAGES]
                    + [r["cold_start"]["median_s"], r["index_mb"]["chroma"] + r["index_mb"]["bm25_cache"]])
    print(table(headers, rows))
    print("(ms; 30 questions x rounds, in-process after warm-up; cold start = fresh `python -m assistant.cli ask "
          "--json` process, median; 10k/100k indexes are synthetic: real 1k + reused embeddings with noise)")
    path = write_json(args.out, {"benchmark": "query", "when": stamp(), "label": args.label, "machine": machine(),
                                 "questions": questions(), "results": results})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
