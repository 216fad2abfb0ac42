"""BM25 keyword search (bm25s) over the index's chunks, plus the IDF table the rerank features use, the chunks'
filter columns and their stored embeddings (an exact dense search within a selective filter, see ``dense``).

Built from the Chroma collection itself (so it works against a server too), cached on disk keyed by the
registry fingerprint, and reused in-process until the index changes.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from domain.facets import FILTER_COLUMNS, Filters
from domain.text import SEARCH_STOPWORDS
from vectorstore import IndexStore


def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


#: Bump when what BM25 indexes changes, so caches built by older code are not reused.
CACHE_VERSION = 7


STOPWORDS = list(SEARCH_STOPWORDS)  # bm25s wants a list
_STOPSET = frozenset(STOPWORDS)
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s's (and scikit-learn's) token pattern


_local = threading.local()  # PyStemmer's stemmers must not be shared between threads (the UI serves several)


@lru_cache(maxsize=50_000)
def _analyse_cached(text: str) -> tuple[str, ...]:
    words = [w for w in _TOKEN.findall(text.lower()) if w not in _STOPSET]
    if not words:
        return ()
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = _stemmer()
    return tuple(stemmer.stemWords(words))


def _analyse(text: str) -> list[str]:
    return list(_analyse_cached(text))


def bm25_text(meta: dict[str, Any], text: str) -> str:
    """What BM25 sees: the chunk's own words. Headings and council names were tried as extra words and cost
    recall (every chunk of a section or council matched them; see README "Retrieval")."""
    return text


@dataclass
class LexicalIndex:
    retriever: Any
    ids: list[str]
    meta: dict[str, np.ndarray]  # filter fields, one array per field, aligned with ids
    idf: np.ndarray  # per vocabulary id
    vocab: dict[str, int]
    fingerprint: str
    stemmer: Any
    #: The chunks' stored embeddings, rows aligned with ids (read-only; memory-mapped from the cache)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    # per-column caches for ``mask`` (integer codes, int years), filled on first use
    _column_cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def build(cls, store: IndexStore, fingerprint: str) -> LexicalIndex:
        import bm25s

        ids: list[str] = []
        texts: list[str] = []
        columns: dict[str, list[Any]] = {f: [] for f in FILTER_COLUMNS}
        pages: list[np.ndarray] = []
        for chunks, vectors in store.iter_chunk_pages():
            pages.append(vectors)
            for chunk in chunks:
                meta = chunk.metadata()
                ids.append(chunk.id)
                texts.append(bm25_text(meta, chunk.text))
                for f in FILTER_COLUMNS:
                    columns[f].append(meta.get(f, ""))
        stemmer = _stemmer()
        retriever = bm25s.BM25()
        vocab: dict[str, int] = {}
        idf = np.zeros(0, dtype=np.float32)
        if texts:
            tokens = bm25s.tokenize(texts, stopwords=STOPWORDS, stemmer=stemmer, show_progress=False)
            retriever.index(tokens, show_progress=False)
            vocab = dict(tokens.vocab)
            df = np.zeros(len(vocab), dtype=np.float32)
            for doc in tokens.ids:
                df[np.unique(np.asarray(doc, dtype=np.int64))] += 1
            idf = np.log(1 + (len(texts) - df + 0.5) / (df + 0.5)).astype(np.float32)
        meta_arrays = {f: np.asarray(v, dtype=object) for f, v in columns.items()}
        vectors = np.concatenate(pages) if pages else np.zeros((0, 0), dtype=np.float32)
        return cls(retriever, ids, meta_arrays, idf, vocab, fingerprint, stemmer, vectors)

    def save(self, folder: Path) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self.retriever.save(str(tmp / "bm25"))
        np.save(tmp / "idf.npy", self.idf)
        np.save(tmp / "vectors.npy", self.vectors)
        (tmp / "index.json").write_text(json.dumps({
            "ids": self.ids, "vocab": self.vocab, "fingerprint": self.fingerprint,
            "meta": {f: [x if isinstance(x, (int, str)) else str(x) for x in v.tolist()] for f, v in self.meta.items()},
        }))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)  # readers never see a half-written cache

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        data = json.loads((folder / "index.json").read_text())
        retriever = bm25s.BM25.load(str(folder / "bm25")) if data["ids"] else bm25s.BM25()
        meta = {f: np.asarray(v, dtype=object) for f, v in data["meta"].items()}
        # memory-mapped: opening costs nothing, and a 100k-chunk index's 150 MB are paged in as searched
        return cls(retriever, data["ids"], meta, np.load(folder / "idf.npy"), data["vocab"], data["fingerprint"],
                   _stemmer(), np.load(folder / "vectors.npy", mmap_mode="r"))

    @classmethod
    def open(cls, store: IndexStore, cache_dir: Path | None, fingerprint: str | None = None) -> LexicalIndex:
        """``fingerprint``: the caller's ``store.fingerprint() + f"-{store.count_chunks()}"`` if it has it (each
        computation reads the whole document registry: ~1 s at 10k documents)."""
        fingerprint = fingerprint or store.fingerprint() + f"-{store.count_chunks()}"
        folder = cache_dir / f"bm25-{store.name}-v{CACHE_VERSION}-{fingerprint}" if cache_dir else None
        if folder and (folder / "index.json").exists():
            try:
                return cls.load(folder)
            except Exception:  # a damaged cache is rebuilt, never trusted
                shutil.rmtree(folder, ignore_errors=True)
        index = cls.build(store, fingerprint)
        if folder:
            try:
                for old in folder.parent.glob(f"bm25-{store.name}-*"):
                    shutil.rmtree(old, ignore_errors=True)
                index.save(folder)
            except OSError:
                pass  # read-only data dir: keep it in memory only
        return index

    # -- querying ---------------------------------------------------------------------------
    def terms(self, text: str) -> list[str]:
        """Stemmed content terms of ``text``: bm25s.tokenize's analysis (what the index was built with), without
        its per-call overhead (it built progress bars even when told not to show them: ~0.1 ms a call, and a
        question's coverage features make hundreds of calls). tests/test_rerank.py checks the two agree."""
        return _analyse(text)

    def term_weights(self, terms: list[str]) -> dict[str, float]:
        """IDF per term; a term the corpus never uses gets the highest weight (it is the most telling)."""
        top = float(self.idf.max()) if len(self.idf) else 1.0
        return {t: (float(self.idf[self.vocab[t]]) if t in self.vocab else top * 1.2) for t in dict.fromkeys(terms)}

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        """The chunks ``filters`` keep, as a 0/1 float mask (bm25s's ``weight_mask``); None for no filter."""
        if filters is None or filters.is_empty():
            return None
        return filters.mask(self._equals, self._numbers, len(self.ids)).astype(np.float32)

    def _numbers(self, name: str) -> np.ndarray:
        column = self._column_cache.get(("int", name))
        if column is None:
            column = self._column_cache[("int", name)] = self.meta[name].astype(np.int64)
        return column

    def rows(self, ids: list[str]) -> np.ndarray:
        """Positions of ``ids`` in this index (-1 for an id it does not hold)."""
        row_of = self._column_cache.get("_row_of")
        if row_of is None:
            row_of = self._column_cache["_row_of"] = {cid: i for i, cid in enumerate(self.ids)}
        return np.fromiter((row_of.get(cid, -1) for cid in ids), dtype=np.int64, count=len(ids))

    def dense(self, query_vector: np.ndarray, mask: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Exact nearest chunks among those ``mask`` keeps: (id, cosine), best first. The stored vectors are
        unit length, so a dot product is the cosine Chroma's HNSW approximates."""
        rows = np.flatnonzero(mask)
        if not len(rows) or not len(self.vectors):
            return []
        sims = np.asarray(self.vectors[rows] @ query_vector, dtype=np.float32)
        top = np.argpartition(-sims, k - 1)[:k] if len(sims) > k else np.arange(len(sims))
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(self.ids[int(rows[i])], float(sims[i])) for i in top]

    def vectors_of(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored embeddings of the ``ids`` this index holds."""
        if not len(self.vectors):
            return {}
        return {cid: np.asarray(self.vectors[r]) for cid, r in zip(ids, self.rows(ids)) if r >= 0}

    def _equals(self, name: str, value: Any) -> np.ndarray:
        """``self.meta[name] == value`` without a Python-level compare per chunk (10-40 ms at 100k chunks, per
        filtered search): each column is coded to integers once, then compared as integers."""
        coded = self._column_cache.get(name)
        if coded is None:
            lookup: dict[Any, int] = {}
            column = np.fromiter((lookup.setdefault(x, len(lookup)) for x in self.meta[name]), dtype=np.int64,
                                 count=len(self.meta[name]))
            coded = self._column_cache[name] = (lookup, column)
        lookup, column = coded
        code = lookup.get(value)
        return column == code if code is not None else np.zeros(len(column), dtype=bool)

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        if not self.ids:
            return []
        tokens = [t for t in self.terms(query) if t in self.vocab]
        if not tokens:
            return []
        mask = self.mask(filters)
        if mask is not None and not mask.any():
            return []
        k = min(k, len(self.ids) if mask is None else int(mask.sum()))
        # n_threads=0: score in this thread (1 made bm25s start a thread pool for every query)
        docs, scores = self.retriever.retrieve([tokens], k=k, show_progress=False, weight_mask=mask, n_threads=0)
        return [(self.ids[int(i)], float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]


def split_words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())
