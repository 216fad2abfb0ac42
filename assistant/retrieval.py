"""Hybrid retrieval: dense (Chroma) + BM25 (bm25s), fused, de-duplicated and reranked."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.glossary import Glossary
from assistant.lexical import LexicalIndex
from assistant.plan import IndexFacts, QueryPlan, Search
from assistant.protocols import Reranker
from assistant.rerank import make_reranker
from assistant.types import Passage
from domain.facets import Filters
from vectorstore import IndexStore
from vectorstore.records import DocumentRecord

#: A filter keeping at most this many chunks is searched exactly in memory (``LexicalIndex.dense``: 0.4 ms for
#: 1,000 rows, 4 ms for 10,000, 30 ms for 50,000 here); a looser one over-fetches nearest ids from Chroma's HNSW
#: index unfiltered and filters them in memory, which finds enough within a few hundred.
EXACT_ROWS = 50_000
#: Most nearest ids that over-fetch reads (~30 ms at 100k chunks); when they hold too few that pass, or the
#: chunk vectors are not cached, Chroma's own metadata filter answers.
MAX_OVERFETCH = 5000


@dataclass
class Retrieval:
    passages: list[Passage]  # reranked, best first
    query_vector: np.ndarray  # the embedded search text
    timings_ms: dict[str, float] = field(default_factory=dict)


class HybridRetriever:
    def __init__(self, store: IndexStore, settings: Settings):
        self.store = store
        self.settings = settings
        self.reranker: Reranker = make_reranker(settings.rerank, settings.cross_encoder_path)
        self._lexical: LexicalIndex | None = None
        self._facts: IndexFacts | None = None
        self._registry: dict[str, str] = {}  # doc_id -> committed content hash
        self._version = ""  # the registry version the state above was built from
        # One retriever may serve several UI sessions (st.cache_resource): rebuilds happen once, under a lock.
        self._refresh_lock = threading.Lock()
        prefetch = getattr(store, "prefetch", None)  # vector indexes load while the model does (cold start)
        if prefetch is not None:
            prefetch()

    # -- index-derived state, rebuilt only when the index changes -------------------------------
    def refresh(self) -> None:
        """Pick up documents ingested since the last call (cheap when nothing changed)."""
        with self._refresh_lock:
            # The registry's version token is one read by id; reading the registry itself costs ~1.5 s at
            # 10k documents, so it is read once per version (and kept on disk for the next process).
            version = self.store.registry_version()
            if version and self._lexical is not None and self._version == version:
                return
            cache_dir = self.settings.cache_dir if not self.settings.server_mode else self.settings.cache_dir / "server"
            docs = registry_snapshot(self.store, version, cache_dir)
            # An index written before versions were kept: a digest of the registry and the chunk count.
            fingerprint = f"r{version}" if version else self.store.fingerprint(docs) + f"-{self.store.count_chunks()}"
            if self._lexical is not None and self._lexical.fingerprint == fingerprint:
                self._version = version
                return
            lexical = LexicalIndex.open(self.store, cache_dir, fingerprint)
            glossary = Glossary.from_store(_Registry(docs))
            facts = IndexFacts(
                councils=frozenset(d.council for d in docs if d.council),
                inspection_types=frozenset(d.inspection_type for d in docs if d.inspection_type),
                document_years=frozenset(d.year for d in docs if d.year), glossary=glossary, lexicon=lexical,
                documents=tuple(docs))
            # Readers only ever see a complete old or a complete new state.
            self._facts, self._registry = facts, {d.doc_id: d.content_hash for d in docs}
            self._lexical, self._version = lexical, version

    def facts(self) -> IndexFacts:
        """What the index holds, for question understanding (built on first use, rebuilt by ``refresh``)."""
        if self._facts is None:
            self.refresh()
        assert self._facts is not None
        return self._facts

    @property
    def lexical(self) -> LexicalIndex:
        if self._lexical is None:
            self.refresh()
        assert self._lexical is not None
        return self._lexical

    # -- retrieval -----------------------------------------------------------------------------
    def is_empty(self) -> bool:
        """No committed document (re-reads the registry only while it is empty, so a first ingest shows up)."""
        if self._lexical is None or not self._registry:
            self.refresh()
        return not self._registry

    def search(self, plan: QueryPlan) -> Retrieval:
        """Every search the plan asks for; a comparison's sides are retrieved one by one and interleaved, so
        neither side crowds the other out."""
        whole = self.retrieve(plan, plan.searches[0])
        if len(plan.searches) == 1:
            return whole
        per_side = [self.retrieve(plan, side, query_vector=whole.query_vector) for side in plan.searches[1:]]
        merged: list[Passage] = []
        seen: set[str] = set()
        for rank in range(max(len(r.passages) for r in per_side)):
            for r in per_side:
                if rank < len(r.passages) and r.passages[rank].chunk.id not in seen:
                    seen.add(r.passages[rank].chunk.id)
                    merged.append(r.passages[rank])
        timings = {k: sum(r.timings_ms.get(k, 0.0) for r in [whole, *per_side]) for k in whole.timings_ms}
        return Retrieval(merged, whole.query_vector, timings)

    def retrieve(self, plan: QueryPlan, search: Search, query_vector: np.ndarray | None = None) -> Retrieval:
        """One search of the plan. ``query_vector``: the already-embedded search text (comparison sides)."""
        s = self.settings
        if self._lexical is None:
            self.refresh()  # BM25, glossary and the registry of committed versions, whichever legs are on
        timings: dict[str, float] = {}
        filters = search.filters

        t = time.perf_counter()
        if query_vector is None:
            query_vector = self.store.embedder.encode_one(plan.search_text)
        timings["embed_query"] = _ms(t)

        t = time.perf_counter()
        dense = self._dense(query_vector, filters) if s.use_dense else []
        timings["dense"] = _ms(t)

        t = time.perf_counter()
        bm25 = self.lexical.search(search.keyword_text, s.candidates, filters) if s.use_bm25 else []
        timings["bm25"] = _ms(t)

        t = time.perf_counter()
        passages = self._fuse(dense, bm25, query_vector)
        # Only committed document versions: chunks of an interrupted or failed ingest are never evidence.
        passages = [p for p in passages if self._registry.get(p.chunk.doc_id) == p.chunk.doc_hash]
        if s.dedupe:
            passages = dedupe(passages, s.dedupe_threshold, limit=s.rerank_depth)
        timings["fuse"] = _ms(t)

        t = time.perf_counter()
        head = passages[: s.rerank_depth]
        self._sentence_scores(head, query_vector)
        for p in head:  # the base features compose and abstention read, whichever reranker runs
            p.scores["coverage"] = plan.matcher.coverage(p.chunk.text)
            p.scores["sentence"] = max(p.sentence_scores, default=p.scores.get("dense", 0.0))
        self.reranker.score(plan, head)
        head.sort(key=lambda p: p.score, reverse=True)
        timings["rerank"] = _ms(t)
        return Retrieval(head, query_vector, timings)

    def _dense(self, query_vector: np.ndarray, filters: Filters) -> list[tuple[Any, float]]:
        k = self.settings.candidates
        where = filters.chroma_where()
        if where is None:
            return self.store.query_chunks(query_vector, k)
        # Chroma evaluates a metadata filter in SQLite before the vector search: 0.1-0.4 s per query at 100k
        # chunks (a year range is the slowest). Instead take the nearest ids unfiltered (no metadata read) and
        # keep those the BM25 index's in-memory metadata columns pass; Chroma's own filter remains for
        # filters too selective for that to find k, and when the over-fetch comes up short.
        mask = self.lexical.mask(filters)
        allowed = int(mask.sum()) if mask is not None else 0
        if mask is None or allowed == 0:
            return self.store.query_chunks(query_vector, k, where)
        if allowed <= EXACT_ROWS and len(self.lexical.vectors):
            # One council's or year's chunks: exact cosines over their stored vectors (a few ms) beat an
            # over-fetch that must reach past every other council's nearest chunks.
            return self._with_chunks(self.lexical.dense(query_vector, mask, k))
        fetch = int(np.ceil(k * 3 * len(mask) / allowed))
        # Expected to hold ~3k passing ids; when the question's neighbourhood is mostly outside the filter
        # (another year), one wider try before Chroma's filter.
        for n in dict.fromkeys((fetch, MAX_OVERFETCH)) if fetch <= MAX_OVERFETCH else ():
            nearest = self.store.nearest_chunk_ids(query_vector, n)
            rows = self.lexical.rows([cid for cid, _ in nearest])
            kept = [(cid, cos) for (cid, cos), r in zip(nearest, rows) if r >= 0 and mask[r]][:k]
            if len(kept) >= min(k, allowed):
                return self._with_chunks(kept)
        return self.store.query_chunks(query_vector, k, where)

    def _with_chunks(self, hits: list[tuple[str, float]]) -> list[tuple[Any, float]]:
        """(id, cosine) hits as (chunk, cosine), in order; an id deleted since (a re-ingest) is dropped."""
        chunks = {c.id: c for c in self.store.get_chunks([cid for cid, _ in hits])}
        return [(chunks[cid], cos) for cid, cos in hits if cid in chunks]

    def _fuse(self, dense: list[tuple[Any, float]], bm25: list[tuple[str, float]],
              query_vector: np.ndarray) -> list[Passage]:
        s = self.settings
        by_id: dict[str, Passage] = {}
        for chunk, cosine in dense:
            by_id[chunk.id] = Passage(chunk, scores={"dense": cosine})
        missing = [cid for cid, _ in bm25 if cid not in by_id]
        for chunk in self.store.get_chunks(missing):
            by_id[chunk.id] = Passage(chunk, scores={})
        for cid, score in bm25:
            if cid in by_id:
                by_id[cid].scores["bm25"] = score
        # Keyword-only hits still get their cosine, from stored vectors (no re-embedding), so every
        # candidate carries the same features into rerank and abstention.
        vectors = self.lexical.vectors_of(missing)
        rest = [cid for cid in missing if cid not in vectors]
        for cid, vec in {**vectors, **self.store.chunk_embeddings(rest)}.items():
            by_id[cid].scores["dense"] = float(vec @ query_vector)
        dense_rank = {c.id: r for r, (c, _) in enumerate(dense)}
        bm25_rank = {cid: r for r, (cid, _) in enumerate(bm25)}
        top_dense = max((v for _, v in dense), default=1.0) or 1.0
        top_bm25 = max((v for _, v in bm25), default=1.0) or 1.0
        for cid, p in by_id.items():
            if s.fusion == "rrf":
                fused = (s.dense_weight / (60 + dense_rank[cid]) if cid in dense_rank else 0.0) + \
                        (s.bm25_weight / (60 + bm25_rank[cid]) if cid in bm25_rank else 0.0)
                fused *= 60 / max(s.dense_weight + s.bm25_weight, 1e-9)
            else:
                dense_score = p.scores.get("dense", 0.0) if cid in dense_rank else 0.0
                fused = s.dense_weight * max(dense_score, 0.0) / top_dense + \
                        s.bm25_weight * p.scores.get("bm25", 0.0) / top_bm25
            p.scores["fused"] = fused
            p.score = fused
        return sorted(by_id.values(), key=lambda p: p.score, reverse=True)

    def _sentence_scores(self, passages: list[Passage], query_vector: np.ndarray) -> None:
        stored = self.store.sentences_of([p.chunk.id for p in passages])
        for p in passages:
            pairs = stored.get(p.chunk.id, [])
            p.sentences = [rec.text for rec, _ in pairs]
            p.sentence_scores = [float(emb @ query_vector) for _, emb in pairs]

    def as_langchain(self, filters: Filters | None = None) -> Any:
        """This retriever as a LangChain ``BaseRetriever`` (imported here: ~1 s of every CLI start otherwise)."""
        from assistant.langchain_retriever import AssistantRetriever

        return AssistantRetriever(hybrid=self, filters=filters or Filters())


def registry_snapshot(store: IndexStore, version: str, cache_dir: Path | None) -> list[DocumentRecord]:
    """The document registry as of ``version``, from a file cache when a process has read it before."""
    path = cache_dir / f"registry-{store.name}-{version}.json" if cache_dir and version else None
    if path and path.exists():
        try:
            return [DocumentRecord.from_chroma(m) for m in json.loads(path.read_text())]
        except (OSError, ValueError, TypeError):
            pass  # a damaged cache is re-read from the store, never trusted
    docs = store.list_documents()
    if path:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps([d.metadata() for d in docs]))
            for old in path.parent.glob(f"registry-{store.name}-*.json"):
                old.unlink(missing_ok=True)
            tmp.replace(path)  # readers never see a half-written file
        except OSError:
            pass  # read-only data dir: read the store each time
    return docs


class _Registry:
    """An already-read document list, for code that asks a store for ``list_documents()``."""

    def __init__(self, docs: list[Any]):
        self._docs = docs

    def list_documents(self) -> list[Any]:
        return self._docs


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def _shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def dedupe(passages: list[Passage], threshold: float, limit: int | None = None) -> list[Passage]:
    """Drop a passage whose word 3-grams are mostly contained in a better-ranked one (same text, two documents).
    ``limit``: stop once that many are kept (the rerank reads no further; later duplicates go uncounted)."""
    kept: list[tuple[Passage, set[tuple[str, ...]]]] = []
    for p in passages:
        if limit is not None and len(kept) >= limit:
            break
        sh = _shingles(p.chunk.text)
        duplicate_of = next((k for k, ksh in kept if len(sh & ksh) / max(1, min(len(sh), len(ksh))) >= threshold), None)
        if duplicate_of is None:
            kept.append((p, sh))
        else:
            duplicate_of.scores["duplicates"] = duplicate_of.scores.get("duplicates", 0) + 1
    return [p for p, _ in kept]
