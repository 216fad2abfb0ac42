"""Incremental ingestion: files -> structured chunks -> embeddings -> Chroma.

A document version is committed by writing its registry record *after* its chunks and sentences are in
the store; older versions are deleted after that. An interrupted run therefore leaves at most orphaned
chunks of an uncommitted version, which the next run sweeps away before doing anything else.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.kinds import INSPECTION_REPORT
from ingest.chunking import chunk_blocks, embedding_prefix
from ingest.glossary import mine_glossary
from ingest.loaders import SUPPORTED_SUFFIXES, IngestError, SourceDocument, discover, load_file, one_line
from ingest.metadata import extract_metadata, read_sidecar
from ingest.structure import parse_blocks
from vectorstore import ChunkRecord, DocumentRecord, IndexStore, SentenceRecord, token_counter

Progress = Callable[[int, int, str], None]


class IngestBusy(RuntimeError):
    """Another ingest holds the index lock."""


@dataclass
class IngestOptions:
    overrides: dict[str, str] = field(default_factory=dict)  # title/date/council/doc_type/inspection_type
    prune: bool = False
    force: bool = False
    max_file_mb: float = 50.0
    max_tokens: int = 256
    batch_chunks: int = 512  # chunks embedded per model call batch group
    #: "separate": each sentence embedded on its own (the default: the best answers on both scoreboards);
    #: "pooled": from its chunk's own pass (token states averaged), half the embedding time (benchmarks/README.md)
    sentence_vectors: str = "separate"

    @classmethod
    def from_settings(cls, settings: Any, **kw: Any) -> IngestOptions:
        """The options a run with these settings (``assistant.config.Settings``, or any object with its ingest
        fields) uses; ``kw``: this run's own (overrides, prune, force)."""
        return cls(max_file_mb=settings.max_file_mb, max_tokens=settings.chunk_max_tokens,
                   sentence_vectors=settings.sentence_vectors, **kw)


@dataclass
class FileOutcome:
    path: str
    source: str
    status: str  # added | updated | skipped | failed | removed
    chunks: int = 0
    reason: str = ""


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0
    swept_orphans: int = 0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def chunks_written(self) -> int:
        return sum(o.chunks for o in self.outcomes if o.status in ("added", "updated"))

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


@dataclass
class PreparedDocument:
    record: DocumentRecord
    chunks: list[ChunkRecord]
    sentences: list[SentenceRecord]
    status: str

    def embed_texts(self) -> list[str]:
        return [embedding_prefix(c.title, c.section) + c.text for c in self.chunks]


@contextmanager
def ingest_lock(lock_dir: Path) -> Iterator[None]:
    lock_dir.mkdir(parents=True, exist_ok=True)
    path = lock_dir / ".ingest.lock"
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise IngestBusy(f"another ingest is running on this index ({holder}): wait for it to finish") from exc
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def doc_id_for(path: Path) -> str:
    return hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]


#: Bump when chunking changes what a file becomes: every document then counts as changed and is re-chunked.
CHUNKER_VERSION = 7


def version_hash(file_sha256: str, chosen_metadata: dict[str, str]) -> str:
    """A document version: the file's bytes, its metadata overrides (changing a sidecar re-ingests the file) and
    the chunker's version."""
    key = f"chunker-{CHUNKER_VERSION}:" + file_sha256 + json.dumps(chosen_metadata, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()


def prepare_document(source: SourceDocument, overrides: dict[str, str], max_tokens: int,
                     count_tokens: Callable[[str], int]) -> tuple[DocumentRecord, list[ChunkRecord], list[SentenceRecord]]:
    path = source.path
    try:
        sidecar = read_sidecar(path)
    except (ValueError, OSError) as exc:
        raise IngestError(path, f"bad sidecar {path.name}.meta.json ({exc}): fix or delete it") from exc
    chosen = {**sidecar, **overrides}
    content_hash = version_hash(source.content_hash, chosen)
    full_text = "\n".join(source.pages)
    meta = extract_metadata(source.pages).merged(chosen)
    # An Ofsted report's opening facts, where ingest.report_fields read them, are kept as its "Judgements" section.
    facts = [(c.page, c.quote) for c in meta.citations.values()] if meta.doc_type == INSPECTION_REPORT.value else []
    blocks = parse_blocks(source.pages, paged=source.paged, facts=facts)
    drafts = chunk_blocks(blocks, meta.title or path.stem, count_tokens, max_tokens=max_tokens,
                          pages=source.pages if source.paged else None)
    if not drafts:
        raise IngestError(path, "no text found after clean-up: nothing to index")
    doc_id = doc_id_for(path)
    version = content_hash[:10]
    chunks: list[ChunkRecord] = []
    sentences: list[SentenceRecord] = []
    for index, draft in enumerate(drafts):
        chunk_id = f"{doc_id}-{version}-{index:04d}"
        chunks.append(ChunkRecord(
            id=chunk_id, text=draft.text, doc_id=doc_id, doc_hash=content_hash, source=path.name,
            path=str(path.resolve()), **meta.facets(), section=draft.section,
            section_kind=draft.section_kind, section_grade=draft.section_grade, paragraph=draft.paragraph, page=draft.page,
            page_end=draft.page_end, chunk_index=index, n_tokens=draft.n_tokens, original=draft.original,
            ocr=any(p in source.ocr_pages for p in range(draft.page, (draft.page_end or draft.page) + 1)),
            section_start=index == 0 or draft.section != drafts[index - 1].section,
        ))
        for position, sentence in enumerate(draft.sentences):
            sentences.append(SentenceRecord(id=f"{chunk_id}-s{position:03d}", text=sentence, chunk_id=chunk_id,
                                            doc_id=doc_id, doc_hash=content_hash, position=position))
    record = DocumentRecord(
        doc_id=doc_id, path=str(path.resolve()), source=path.name, content_hash=content_hash, **meta.facets(),
        file_type=source.file_type, pages=len(source.pages) if source.paged else 0, chunks=len(chunks),
        ocr_pages=list(source.ocr_pages), notes=list(source.notes),
        size_bytes=source.size_bytes, ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
        glossary=mine_glossary(full_text), grades=meta.grades,
        citations={k: {"page": c.page, "quote": c.quote} for k, c in meta.citations.items()},
    )
    return record, chunks, sentences


def ingest(store: IndexStore, paths: list[Path], options: IngestOptions, lock_dir: Path,
           progress: Progress | None = None) -> IngestReport:
    started = time.perf_counter()
    report = IngestReport()
    with ingest_lock(lock_dir):
        if store.get_state().get("ingest_in_progress"):
            report.swept_orphans = store.sweep_orphans()
        store.set_state(ingest_in_progress=True)
        files, errors = discover(paths)
        report.outcomes += [FileOutcome(e.path, Path(e.path).name, "failed", reason=e.reason) for e in errors]
        registry = {d.doc_id: d for d in store.list_documents()}
        count_tokens = token_counter(store.embedder.model_path)
        meter = _Meter(len(files), progress)
        group: list[PreparedDocument] = []  # read, waiting to be embedded: a few hundred chunks at most

        def commit_group() -> None:
            meter.stage("embedding")
            _embed_and_commit(store, group, pooled=options.sentence_vectors == "pooled")
            report.outcomes.extend(FileOutcome(p.record.path, p.record.source, p.status, len(p.chunks))
                                   for p in group)
            group.clear()

        try:
            # Files are read and embedded in turn, a group of ~batch_chunks chunks at a time, so memory stays
            # bounded on a folder of any size and each group is committed as soon as it is embedded.
            for path in files:
                before = len(group)
                outcome = _prepare(path, options, registry, count_tokens, group)
                if outcome:
                    report.outcomes.append(outcome)
                meter.read(group[-1].record.pages if len(group) > before else 0)
                if sum(len(p.chunks) for p in group) >= options.batch_chunks:
                    commit_group()
            if group:
                commit_group()
            if options.prune:
                report.outcomes += _prune(store, paths, registry)
        except Exception:
            # An error (disk full, a dead server…) mid-write: remove this run's uncommitted chunks before the
            # lock is released, so nothing half-indexed outlives the run. If even that fails, the
            # in-progress flag stays set and the next run sweeps instead.
            try:
                store.sweep_orphans()
                store.set_state(ingest_in_progress=False)
            except Exception:
                pass
            raise
        store.set_state(ingest_in_progress=False)
    if any(o.status in ("added", "updated") for o in report.outcomes):
        # the model is loaded now: make the fast question encoder once per machine (~3 s)
        store.embedder.prepare_fast_queries()
    report.outcomes.sort(key=lambda o: (o.status != "failed", o.path))
    report.seconds = time.perf_counter() - started
    return report


def _unchanged(path: Path, options: IngestOptions, registry: dict[str, DocumentRecord]) -> FileOutcome | None:
    """A registered file whose bytes and overrides are unchanged, found by hashing alone (no parsing, no PDF
    text extraction, no chunking): a re-run over an unchanged folder does next to no work.

    Anything unusual (unreadable, now over the size limit, bad sidecar) returns None, so the full path below
    reports it exactly as before."""
    known = registry.get(doc_id_for(path))
    if known is None or options.force or path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return None
    try:
        size = path.stat().st_size
        if size == 0 or size > int(options.max_file_mb * 1_000_000) or not path.is_file():
            return None
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        chosen = {**read_sidecar(path), **options.overrides}
    except (OSError, ValueError):
        return None
    if version_hash(digest, chosen) != known.content_hash:
        return None
    return FileOutcome(str(path), path.name, "skipped", known.chunks)


def _prepare(path: Path, options: IngestOptions, registry: dict[str, DocumentRecord],
             count_tokens: Callable[[str], int], pending: list[PreparedDocument]) -> FileOutcome | None:
    skipped = _unchanged(path, options, registry)
    if skipped is not None:
        return skipped
    try:
        source = load_file(path, int(options.max_file_mb * 1_000_000))
        record, chunks, sentences = prepare_document(source, options.overrides, options.max_tokens, count_tokens)
    except IngestError as exc:
        return FileOutcome(str(path), path.name, "failed", reason=exc.reason)
    except (ValueError, OSError) as exc:  # e.g. a malformed sidecar
        return FileOutcome(str(path), path.name, "failed",
                           reason=one_line(f"{type(exc).__name__}: {exc}: fix the file or its sidecar and ingest again"))
    known = registry.get(record.doc_id)
    if known and known.content_hash == record.content_hash and not options.force:
        return FileOutcome(str(path), path.name, "skipped", known.chunks)
    pending.append(PreparedDocument(record, chunks, sentences, "updated" if known else "added"))
    return None


class _Meter:
    """Progress as files are read: files done of all, pages/s and the time left, for the CLI's log line and the
    UI's bar (``progress(done, total, stage)``, done and total in files)."""

    def __init__(self, files: int, progress: Progress | None):
        self.files, self.progress = files, progress
        self.done = self.pages = 0
        self.started = time.perf_counter()

    def read(self, pages: int) -> None:
        self.done += 1
        self.pages += pages
        self.stage("reading")

    def stage(self, what: str) -> None:
        if self.progress is None:
            return
        elapsed = time.perf_counter() - self.started
        rate = f", {self.pages / elapsed:.1f} pages/s" if self.pages and elapsed > 0 else ""
        left = elapsed / self.done * (self.files - self.done) if self.done else 0.0
        eta = f", about {_duration(left)} left" if self.done and self.done < self.files else ""
        self.progress(self.done, self.files, f"{what} ({self.pages:,} pages{rate}{eta})")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _embed_and_commit(store: IndexStore, group: list[PreparedDocument], pooled: bool = False) -> None:
    """Embed a group of documents in as few model calls as possible, then commit each document. ``pooled``: the
    sentence vectors come from the chunks' own pass (``Embedder.encode_with_spans``), not a pass of their own."""
    chunk_texts = [t for doc in group for t in doc.embed_texts()]
    if pooled:
        spans = [_spans(text, [s.text for s in sents]) for doc in group
                 for text, sents in zip(doc.embed_texts(), _per_chunk(doc))]
        chunk_vecs, sentence_vecs = store.embedder.encode_with_spans(chunk_texts, spans)
        flat = [s.text for doc in group for s in doc.sentences]
        lost = [i for i, (a, b) in enumerate(x for text_spans in spans for x in text_spans) if a >= b]
        if lost:  # a sentence not found verbatim in its chunk's text: encoded on its own
            sentence_vecs[lost] = store.embedder.encode([flat[i] for i in lost])
    else:
        chunk_vecs = store.embedder.encode(chunk_texts)
        sentence_vecs = store.embedder.encode([s.text for doc in group for s in doc.sentences])
    # One write per collection for the whole group (each Chroma write costs a fixed ~30 ms however small),
    # then the group's registry records (the commit point of every document in it), then old versions go.
    store.upsert_chunks([c for doc in group for c in doc.chunks], chunk_vecs,
                        sentence_counts=[len(c_sents) for doc in group for c_sents in _per_chunk(doc)])
    store.upsert_sentences([s for doc in group for s in doc.sentences], sentence_vecs)
    store.put_documents([doc.record for doc in group])  # commit point
    for doc in group:
        if doc.status == "updated":  # only an update leaves an older version behind (a crashed run's leftovers are swept)
            store.delete_other_versions(doc.record.doc_id, doc.record.content_hash)


def _spans(text: str, sentences: list[str]) -> list[tuple[int, int]]:
    """Where each sentence of a chunk is in its embedded text (the title/section prefix, then the chunk's text)."""
    out, at = [], 0
    for sentence in sentences:
        found = text.find(sentence, at)
        if found < 0:
            found = text.find(sentence)
        if found < 0:
            out.append((0, 0))  # not found verbatim: no tokens, so it is encoded on its own
            continue
        out.append((found, found + len(sentence)))
        at = found + len(sentence)
    return out


def _per_chunk(doc: PreparedDocument) -> list[list[SentenceRecord]]:
    by_chunk: dict[str, list[SentenceRecord]] = {c.id: [] for c in doc.chunks}
    for s in doc.sentences:
        by_chunk[s.chunk_id].append(s)
    return list(by_chunk.values())


def _prune(store: IndexStore, roots: list[Path], registry: dict[str, DocumentRecord]) -> list[FileOutcome]:
    removed = []
    folders = [r.resolve() for r in roots if r.is_dir()]
    for doc in registry.values():
        doc_path = Path(doc.path)
        under = any(doc_path.is_relative_to(folder) for folder in folders)
        if under and not doc_path.exists():
            store.delete_document(doc.doc_id)
            removed.append(FileOutcome(doc.path, doc.source, "removed", doc.chunks, "file no longer exists"))
    return removed
