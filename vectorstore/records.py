"""What the index stores: one record type per Chroma collection."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from domain.facets import Facets


@dataclass
class ChunkRecord(Facets):
    """A retrievable unit of a document, with where it came from (its document's facets included)."""

    id: str
    text: str  # normalised text: what is embedded, searched and quoted
    doc_id: str
    doc_hash: str
    source: str  # file name shown to users
    path: str  # absolute path at ingest time (identity of the document)
    section: str = ""
    section_kind: str = ""
    section_grade: str = ""  # the grade its section's heading carries (a report's judgement sections)
    paragraph: str = ""
    page: int = 0  # 1-based page for PDFs, 0 when the source has no pages
    page_end: int = 0
    chunk_index: int = 0
    n_tokens: int = 0
    original: str = ""  # the source text before normalisation, for quoting as printed
    ocr: bool = False  # its text was read by OCR from a scanned page (it can misread: check the page)
    section_start: bool = False  # it opens its section (a judgement section's first paragraph is its synopsis)

    @property
    def date_ord(self) -> int:
        return int(self.date.replace("-", "")) if self.date else 0

    def metadata(self) -> dict[str, Any]:
        meta = {k: v for k, v in asdict(self).items() if k not in ("id", "text")}
        meta["year"] = self.year
        meta["date_ord"] = self.date_ord
        return meta

    @classmethod
    def from_chroma(cls, id: str, text: str, meta: dict[str, Any]) -> ChunkRecord:
        names = {f.name for f in fields(cls)} - {"id", "text"}
        return cls(id=id, text=text, **{k: v for k, v in meta.items() if k in names})


@dataclass
class SentenceRecord:
    """One sentence of a chunk, embedded on its own for sentence-level scoring."""

    id: str
    text: str
    chunk_id: str
    doc_id: str
    doc_hash: str
    position: int

    def metadata(self) -> dict[str, Any]:
        return {"chunk_id": self.chunk_id, "doc_id": self.doc_id, "doc_hash": self.doc_hash, "position": self.position}


@dataclass
class DocumentRecord(Facets):
    """The registry entry of an ingested file: identity, version and its facets."""

    doc_id: str
    path: str
    source: str
    content_hash: str
    file_type: str = ""
    pages: int = 0
    chunks: int = 0
    size_bytes: int = 0
    ingested_at: str = ""
    glossary: dict[str, str] = field(default_factory=dict)  # acronym -> long form
    grades: dict[str, str] = field(default_factory=dict)  # judgement area key -> grade (inspection reports)
    citations: dict[str, dict[str, Any]] = field(default_factory=dict)  # field -> {"page", "quote"} it was read from
    ocr_pages: list[int] = field(default_factory=list)  # 1-based pages whose text came from OCR
    notes: list[str] = field(default_factory=list)  # how the file was read ("read as HTML (its name says .pdf)")

    #: Fields kept as JSON text (Chroma metadata values are scalars).
    _JSON = ("glossary", "grades", "citations", "ocr_pages", "notes")

    def metadata(self) -> dict[str, Any]:
        meta = asdict(self)
        for name in self._JSON:
            meta[name] = json.dumps(getattr(self, name), sort_keys=True)
        return meta

    @classmethod
    def from_chroma(cls, meta: dict[str, Any]) -> DocumentRecord:
        names = {f.name for f in fields(cls)}
        data = {k: v for k, v in meta.items() if k in names}
        for name in cls._JSON:
            if data.get(name):
                data[name] = json.loads(data[name])
            else:
                data.pop(name, None)  # an index written before the field existed: its default
        return cls(**data)
