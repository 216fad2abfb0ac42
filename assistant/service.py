"""The service layer below both entry points (the CLI and the Streamlit app): opening the index, its status,
and an assistant over it. Neither entry point imports the other; both import this."""

from __future__ import annotations

import fcntl
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.core import Assistant
from domain.facets import FACET_FIELDS
from vectorstore import IndexStore


def open_store_exclusively(settings: Settings) -> IndexStore:
    """``settings.open_store()``, one process at a time per local index folder.

    Two processes opening a *new* local index at once race in Chroma's schema migrations ("table collections
    already exists"), and both fail. Opening takes well under a second, so a short exclusive file lock around
    it is enough; a server (CHROMA_HOST) does its own locking.
    """
    if settings.server_mode:
        return settings.open_store()
    folder = Path(settings.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".open.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            return settings.open_store()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_assistant(settings: Settings) -> Assistant:
    return Assistant(settings, open_store_exclusively(settings))


@dataclass
class IndexStatus:
    """What an index holds: its documents (facets and sizes), totals, model and location."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    total_chunks: int = 0
    total_sentences: int = 0
    embedding_model: str = ""
    embedding_model_path: str = ""
    path: str = ""
    mode: str = ""  # "embedded" | "server"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_DOCUMENT_FIELDS = ("source", "path", *FACET_FIELDS, "chunks", "pages", "content_hash", "ingested_at")


def index_status(settings: Settings, store: IndexStore) -> IndexStatus:
    return IndexStatus(
        documents=[{name: getattr(d, name) for name in _DOCUMENT_FIELDS} for d in store.list_documents()],
        total_chunks=store.count_chunks(), total_sentences=store.count_sentences(),
        embedding_model=store.embedder.name, embedding_model_path=store.embedder.model_path,
        path=store.location, mode="server" if settings.server_mode else "embedded")
