"""Chroma behind one small interface: embedded (PersistentClient) by default, a server when asked.

Three collections per index:
- ``<name>_chunks``: chunk text + embedding (title/section-prefixed) + metadata,
- ``<name>_sentences``: each chunk's sentences embedded alone (sentence-level scoring at query time),
- ``<name>_documents``: the document registry (content hash, metadata, mined glossary).
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from vectorstore.embeddings import Embedder
from vectorstore.records import ChunkRecord, DocumentRecord, SentenceRecord

_STATE_ID = "__index_state__"
T = TypeVar("T")


#: Chunks (and their vectors) kept in memory once read: a few MB for the passages questions keep coming back to.
CACHED_CHUNKS = 20_000


class _LRU(Generic[T]):
    """A small thread-safe least-recently-used map (the UI serves several sessions from one store)."""

    def __init__(self, size: int):
        self.size, self._data, self._lock = size, OrderedDict[str, T](), threading.Lock()

    def get_many(self, keys: Sequence[str]) -> dict[str, T]:
        with self._lock:
            out = {k: self._data[k] for k in keys if k in self._data}
            for k in out:
                self._data.move_to_end(k)
            return out

    def put_many(self, items: dict[str, T]) -> None:
        with self._lock:
            self._data.update(items)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


class StoreUnavailable(RuntimeError):
    """The index cannot be opened or the Chroma server cannot be reached."""


def _embedding_function_class() -> type:
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function

    @register_embedding_function
    class PackagedMiniLM(EmbeddingFunction[Documents]):
        """Our packaged embedder as a Chroma EmbeddingFunction, so Chroma never uses its downloader."""

        def __init__(self, embedder: Embedder | None = None):
            self._embedder = embedder

        def __call__(self, input: Documents) -> Embeddings:
            if self._embedder is None:
                self._embedder = Embedder()
            return list(self._embedder.encode(list(input)))

        @staticmethod
        def name() -> str:
            return "inspection_assistant_packaged_minilm"

        def default_space(self) -> str:  # type: ignore[override]
            return "cosine"

        def get_config(self) -> dict[str, Any]:
            return {}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> PackagedMiniLM:
            return PackagedMiniLM()

    return PackagedMiniLM


class _Guarded:
    """A Chroma collection whose calls turn a lost server connection into ``StoreUnavailable``."""

    def __init__(self, collection: Any, store: IndexStore):
        self._collection = collection
        self._store = store

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._collection, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except Exception as exc:
                if self._store._is_connection_error(exc):
                    raise self._store._unavailable(exc) from exc
                raise

        return call

    def __repr__(self) -> str:
        return f"_Guarded({self._collection!r})"


class IndexStore:
    """An inspection-document index in Chroma."""

    def __init__(
        self,
        path: str | Path | None = None,
        host: str | None = None,
        port: int | None = None,
        name: str = "inspection",
        embedder: Embedder | None = None,
    ):
        self.path = Path(path) if path else None
        self.host, self.port, self.name = host, port, name
        self.embedder = embedder or Embedder()
        self.location = f"http://{host}:{port or 8000}" if host else str(self.path)
        self._client = self._connect()
        ef = _embedding_function_class()(self.embedder)
        cfg = {"hnsw": {"space": "cosine"}}
        try:
            chunks = self._client.get_or_create_collection(f"{name}_chunks", embedding_function=ef, configuration=cfg)
            sentences = self._client.get_or_create_collection(
                f"{name}_sentences", embedding_function=ef, configuration=cfg
            )
            documents = self._client.get_or_create_collection(
                f"{name}_documents", embedding_function=ef, configuration=cfg
            )
            self._max_batch = self._read_max_batch()
        except Exception as exc:  # chromadb raises many types for a dead server
            raise self._unavailable(exc) from exc
        # Against a server, a connection lost *after* opening must surface as StoreUnavailable (one clear
        # message, and the same object works again once the server is back), never as a raw httpx error.
        wrap = (lambda c: _Guarded(c, self)) if self.host else (lambda c: c)
        self.chunks, self.sentences, self.documents = wrap(chunks), wrap(sentences), wrap(documents)
        # chunk id -> number of its sentences, learned from chunk metadata as chunks are read (ids are
        # versioned, so a cached count never goes stale)
        self._n_sentences: dict[str, int] = {}
        self._chunk_cache: _LRU[ChunkRecord] = _LRU(CACHED_CHUNKS)
        self._vector_cache: _LRU[np.ndarray] = _LRU(CACHED_CHUNKS)

    # -- connection -------------------------------------------------------------------------
    def _connect(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        try:
            if self.host:
                client = chromadb.HttpClient(host=self.host, port=int(self.port or 8000), settings=settings)
                client.heartbeat()
                return client
            assert self.path is not None
            self.path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(self.path), settings=settings)
        except Exception as exc:
            raise self._unavailable(exc) from exc

    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        if self.host:
            return StoreUnavailable(
                f"cannot reach the Chroma server at {self.location} ({type(exc).__name__}): start it "
                f"with 'chroma run --path DIR --port {self.port or 8000}' or unset CHROMA_HOST to use the local index"
            )
        return StoreUnavailable(f"cannot open the index at {self.location}: {exc}")

    def heartbeat(self) -> None:
        try:
            self._client.heartbeat()
        except Exception as exc:
            raise self._unavailable(exc) from exc

    def _read_max_batch(self) -> int:
        try:
            return int(self._client.get_max_batch_size())
        except Exception:
            return 1000

    @property
    def max_batch(self) -> int:
        """Chroma's largest write batch (asked once: against a server every ask is a round trip)."""
        return self._max_batch

    def _is_connection_error(self, exc: BaseException) -> bool:
        if not self.host:
            return False
        try:
            import httpx

            if isinstance(exc, httpx.TransportError):
                return True
        except ImportError:  # pragma: no cover - chromadb's HttpClient needs httpx
            pass
        return isinstance(exc, ConnectionError) or "could not connect to a chroma server" in str(exc).lower()

    def prefetch(self) -> None:
        """Start reading the vector indexes into memory in the background (embedded mode only).

        The first question otherwise loads them from disk after the model has loaded (the sentences' index alone
        is ~0.5 GB at 100k chunks: 0.5-2.5 s); Chroma does that loading outside the GIL, so it overlaps the model
        import. Reads only; any error is left for the real call to report.

        Not a daemon thread: the interpreter would tear down Chroma's native runtime under it at exit (a process
        that quits early, e.g. "the index has no documents", died with SIGSEGV); exit waits for it instead."""
        if self.host:
            return

        def run() -> None:
            try:
                for collection in (self.chunks, self.sentences):
                    got = collection.get(limit=1, include=["embeddings"])
                    if got["ids"] and collection is self.chunks:
                        collection.query(query_embeddings=[got["embeddings"][0]], n_results=1, include=[])
            except Exception:
                pass

        threading.Thread(target=run, name="index-prefetch", daemon=False).start()

    # -- document registry ------------------------------------------------------------------
    def list_documents(self) -> list[DocumentRecord]:
        got = self.documents.get(include=["metadatas"])
        docs = [
            DocumentRecord.from_chroma(m) for i, m in zip(got["ids"], got["metadatas"] or []) if i != _STATE_ID
        ]
        return sorted(docs, key=lambda d: (d.source, d.path))

    def get_document(self, doc_id: str) -> DocumentRecord | None:
        got = self.documents.get(ids=[doc_id], include=["metadatas"])
        return DocumentRecord.from_chroma(got["metadatas"][0]) if got["ids"] else None

    def put_document(self, doc: DocumentRecord) -> None:
        """The commit point of a document version: readers trust the registry's hash.

        Registry rows carry a 1-d placeholder vector: Chroma requires one, and nobody searches them."""
        self.documents.upsert(ids=[doc.doc_id], embeddings=[[1.0]],
                              metadatas=[doc.metadata()], documents=[doc.title or doc.source])
        self._registry_changed()

    def put_documents(self, docs: Sequence[DocumentRecord]) -> None:
        """``put_document`` for several documents in one write (the commit point of a whole ingest group)."""
        for start in range(0, len(docs), self.max_batch):
            part = docs[start:start + self.max_batch]
            self.documents.upsert(ids=[d.doc_id for d in part], embeddings=[[1.0]] * len(part),
                                  metadatas=[d.metadata() for d in part], documents=[d.title or d.source for d in part])
        self._registry_changed()

    def delete_document(self, doc_id: str) -> None:
        self.documents.delete(ids=[doc_id])
        self.chunks.delete(where={"doc_id": doc_id})
        self.sentences.delete(where={"doc_id": doc_id})
        self._registry_changed()

    def get_state(self) -> dict[str, Any]:
        got = self.documents.get(ids=[_STATE_ID], include=["documents"])
        return json.loads(got["documents"][0]) if got["ids"] else {}

    def set_state(self, **values: Any) -> None:
        state = {**self.get_state(), **values}
        self.documents.upsert(ids=[_STATE_ID], embeddings=[[1.0]],
                              metadatas=[{"kind": "state"}], documents=[json.dumps(state, sort_keys=True)])

    def registry_version(self) -> str:
        """A token that changes with every write of the registry or of which chunk versions exist (one read by
        id, where ``fingerprint`` reads the whole registry: ~1.5 s at 10k documents). "" for an index written
        before versions were kept."""
        return str(self.get_state().get("registry_version", ""))

    def _registry_changed(self) -> None:
        self.set_state(registry_version=uuid.uuid4().hex)

    def fingerprint(self, documents: Sequence[DocumentRecord] | None = None) -> str:
        """Changes whenever any document version is added, replaced or removed.

        ``documents``: a ``list_documents()`` result the caller already holds (reading the registry costs ~1 s
        at 10k documents); the same value as reading it again."""
        if documents is not None:
            pairs = sorted(f"{d.doc_id}:{d.content_hash}" for d in documents)
        else:
            got = self.documents.get(include=["metadatas"])
            pairs = sorted(f"{i}:{(m or {}).get('content_hash', '')}"
                           for i, m in zip(got["ids"], got["metadatas"] or []) if i != _STATE_ID)
        return hashlib.sha1("\n".join(pairs).encode()).hexdigest()[:16]

    def has_documents(self) -> bool:
        """Whether any document is registered, without reading the registry's metadata (ids only)."""
        return any(i != _STATE_ID for i in self.documents.get(limit=2, include=[])["ids"])

    # -- chunks and sentences ---------------------------------------------------------------
    def _batched_upsert(self, collection: Any, ids: list[str], embeddings: np.ndarray,
                        documents: list[str], metadatas: list[dict[str, Any]]) -> None:
        step = self.max_batch
        for start in range(0, len(ids), step):
            end = start + step
            collection.upsert(ids=ids[start:end], embeddings=embeddings[start:end],
                              documents=documents[start:end], metadatas=metadatas[start:end])

    def upsert_chunks(self, chunks: Sequence[ChunkRecord], embeddings: np.ndarray,
                      sentence_counts: Sequence[int] | None = None) -> None:
        """``sentence_counts`` (per chunk) lets readers fetch a chunk's sentences by id: sentence ids are
        ``<chunk id>-s000``, ``-s001``, … (see ingest.pipeline.prepare_document)."""
        metas = [c.metadata() for c in chunks]
        if sentence_counts is not None:
            for meta, n in zip(metas, sentence_counts, strict=True):
                meta["n_sentences"] = int(n)
        self._batched_upsert(self.chunks, [c.id for c in chunks], embeddings, [c.text for c in chunks], metas)

    def upsert_sentences(self, sentences: Sequence[SentenceRecord], embeddings: np.ndarray) -> None:
        self._batched_upsert(self.sentences, [s.id for s in sentences], embeddings,
                             [s.text for s in sentences], [s.metadata() for s in sentences])

    def delete_other_versions(self, doc_id: str, keep_hash: str) -> None:
        """Remove a document's chunks/sentences of any version but ``keep_hash`` (stale or orphaned)."""
        where = {"$and": [{"doc_id": doc_id}, {"doc_hash": {"$ne": keep_hash}}]}
        self.chunks.delete(where=where)
        self.sentences.delete(where=where)
        self._registry_changed()

    def sweep_orphans(self) -> int:
        """Delete chunks/sentences whose (doc_id, doc_hash) is not the registered version."""
        registered = {d.doc_id: d.content_hash for d in self.list_documents()}
        removed = 0
        for collection in (self.chunks, self.sentences):
            stale: list[str] = []
            for got in self._pages(collection, include=["metadatas"]):
                stale += [i for i, m in zip(got["ids"], got["metadatas"])
                          if registered.get(m.get("doc_id")) != m.get("doc_hash")]
            for start in range(0, len(stale), self.max_batch):
                collection.delete(ids=stale[start:start + self.max_batch])
            removed += len(stale)
        if removed:
            self._registry_changed()
        return removed

    def count_chunks(self) -> int:
        return int(self.chunks.count())

    def count_sentences(self) -> int:
        return int(self.sentences.count())

    @staticmethod
    def _pages(collection: Any, include: list[str], page: int = 5000,
               where: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """A whole collection (or what ``where`` keeps), one ``get`` of ``page`` records at a time."""
        offset = 0
        while True:
            got = collection.get(include=include, limit=page, offset=offset, where=where)
            if not got["ids"]:
                return
            for key, empty in (("documents", ""), ("metadatas", {})):  # a server may send None for a field
                if key in include and not got.get(key):
                    got[key] = [empty] * len(got["ids"])
            yield got
            offset += len(got["ids"])

    def iter_chunks(self, where: dict[str, Any] | None = None) -> Iterator[ChunkRecord]:
        for got in self._pages(self.chunks, ["documents", "metadatas"], where=where):
            for i, t, m in zip(got["ids"], got["documents"], got["metadatas"]):
                yield ChunkRecord.from_chroma(i, t, m)

    def iter_chunk_pages(self) -> Iterator[tuple[list[ChunkRecord], np.ndarray]]:
        """Every chunk with its stored embedding, a page at a time (one read for an in-memory mirror)."""
        for got in self._pages(self.chunks, ["documents", "metadatas", "embeddings"]):
            yield ([ChunkRecord.from_chroma(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])],
                   np.asarray(got["embeddings"], dtype=np.float32))

    def get_chunks(self, ids: Sequence[str]) -> list[ChunkRecord]:
        """Chunks by id, from an in-process cache where read before (ids carry their document's version, so
        a cached chunk never goes stale); one round trip for the rest."""
        if not ids:
            return []
        by_id = self._chunk_cache.get_many(ids)
        missing = [i for i in dict.fromkeys(ids) if i not in by_id]
        if missing:
            got = self.chunks.get(ids=missing, include=["documents", "metadatas"])
            self._learn_sentence_counts(got["ids"], got["metadatas"])
            fresh = {i: ChunkRecord.from_chroma(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])}
            self._chunk_cache.put_many(fresh)
            by_id.update(fresh)
        return [by_id[i] for i in ids if i in by_id]

    def _learn_sentence_counts(self, ids: Sequence[str], metas: Sequence[dict[str, Any] | None]) -> None:
        for i, m in zip(ids, metas):
            n = (m or {}).get("n_sentences")
            if n is not None:
                self._n_sentences[i] = int(n)

    def query_chunks(self, embedding: np.ndarray, k: int,
                     where: dict[str, Any] | None = None) -> list[tuple[ChunkRecord, float]]:
        """Dense search: (chunk, cosine similarity) best first."""
        # No count() first: Chroma caps n_results at what the (filtered) collection holds, and a count costs
        # ~50 ms at 100k chunks.
        got = self.chunks.query(query_embeddings=[embedding], n_results=k, where=where,
                                include=["documents", "metadatas", "distances"])
        self._learn_sentence_counts(got["ids"][0], got["metadatas"][0])
        return [
            (ChunkRecord.from_chroma(i, t, m), 1.0 - float(d))
            for i, t, m, d in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])
        ]

    def nearest_chunk_ids(self, embedding: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Dense search returning only (id, cosine), best first: no document or metadata reads, so a few
        thousand cost ~15 ms at 100k chunks (the caller filters them in memory)."""
        got = self.chunks.query(query_embeddings=[embedding], n_results=k, include=["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0])]

    def chunk_embeddings(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored chunk embeddings by id (cached like ``get_chunks``; one round trip for the rest)."""
        if not ids:
            return {}
        out = self._vector_cache.get_many(ids)
        missing = [i for i in dict.fromkeys(ids) if i not in out]
        if missing:
            got = self.chunks.get(ids=missing, include=["embeddings"])
            fresh = {i: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"])}
            self._vector_cache.put_many(fresh)
            out.update(fresh)
        return out

    def sentences_of(self, chunk_ids: Sequence[str]) -> dict[str, list[tuple[SentenceRecord, np.ndarray]]]:
        """Each chunk's sentences with their stored embeddings, in reading order."""
        if not chunk_ids:
            return {}
        chunk_ids = list(dict.fromkeys(chunk_ids))
        unknown = [c for c in chunk_ids if c not in self._n_sentences]
        if unknown:  # one cheap by-id read of the chunks' metadata
            got = self.chunks.get(ids=unknown, include=["metadatas"])
            self._learn_sentence_counts(got["ids"], got["metadatas"])
        # Sentences by id (a primary-key lookup) where the chunk records its sentence count; a `chunk_id $in`
        # filter scans the sentences' metadata, which grows with the index (and is kept for indexes written
        # before chunks carried the count).
        by_id = [f"{c}-s{p:03d}" for c in chunk_ids if c in self._n_sentences for p in range(self._n_sentences[c])]
        legacy = [c for c in chunk_ids if c not in self._n_sentences]
        results = []
        if by_id:
            results.append(self.sentences.get(ids=by_id, include=["documents", "metadatas", "embeddings"]))
        if legacy:
            results.append(self.sentences.get(where={"chunk_id": {"$in": legacy}},
                                              include=["documents", "metadatas", "embeddings"]))
        out: dict[str, list[tuple[SentenceRecord, np.ndarray]]] = {}
        for got in results:
            for i, t, m, e in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"]):
                rec = SentenceRecord(id=i, text=t, chunk_id=m["chunk_id"], doc_id=m["doc_id"],
                                     doc_hash=m["doc_hash"], position=int(m["position"]))
                out.setdefault(rec.chunk_id, []).append((rec, np.asarray(e, dtype=np.float32)))
        for sents in out.values():
            sents.sort(key=lambda pair: pair[0].position)
        return out

    def langchain_vectorstore(self) -> Any:
        """The chunks collection as a LangChain ``Chroma`` vector store (same client, same embedder)."""
        from langchain_chroma import Chroma

        from vectorstore.embeddings import langchain_embeddings

        return Chroma(client=self._client, collection_name=self.chunks.name,
                      embedding_function=langchain_embeddings(self.embedder))
