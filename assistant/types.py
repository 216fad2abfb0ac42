"""The things that flow through the assistant: filters in, passages and a cited answer out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from domain.facets import Facets
from vectorstore import ChunkRecord

ABSTAIN_TEXT = ("The indexed documents don't appear to cover this. The closest passages are listed below, "
                "so you can check for yourself.")


@dataclass
class Passage:
    """A retrieved chunk with the scores each stage gave it."""

    chunk: ChunkRecord
    score: float = 0.0  # the final (rerank) score; also what abstention looks at
    scores: dict[str, float] = field(default_factory=dict)  # dense, bm25, fused, rerank features
    sentences: list[str] = field(default_factory=list)
    sentence_scores: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "chunk_id": c.id, "source": c.source, "path": c.path, **c.facets(), "section": c.section,
            "paragraph": c.paragraph, "page": c.page or None, "text": c.text, "score": round(self.score, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
        }


@dataclass
class Citation(Facets):
    """A numbered reference: where a claim comes from (its document's facets too) and the exact sentence(s) quoted."""

    n: int
    chunk_id: str
    source: str
    path: str
    section: str
    section_kind: str
    paragraph: str
    page: int | None
    text: str  # the whole passage
    quote: str  # the supporting sentence(s), verbatim substrings of ``text``
    ocr: bool = False  # the passage was read by OCR from a scanned page: the reader should check the page

    @classmethod
    def from_passage(cls, n: int, passage: Passage, quote: str) -> Citation:
        return cls.from_chunk(n, passage.chunk, quote)

    @classmethod
    def from_chunk(cls, n: int, c: ChunkRecord, quote: str) -> Citation:
        return cls(n=n, chunk_id=c.id, source=c.source, path=c.path, **c.facets(), section=c.section,
                   section_kind=c.section_kind, paragraph=c.paragraph, page=c.page or None, text=c.text, quote=quote,
                   ocr=c.ocr)

    def as_chunk(self) -> ChunkRecord:
        """The cited text as a chunk record (a report's fact line that no indexed chunk holds whole)."""
        doc_id = self.chunk_id.split("-fact-")[0]
        return ChunkRecord(id=self.chunk_id, text=self.text, doc_id=doc_id, doc_hash="", source=self.source,
                           path=self.path, **self.facets(), section=self.section, section_kind=self.section_kind,
                           paragraph=self.paragraph, page=self.page or 0, ocr=self.ocr)

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "source": self.source, "path": self.path, **self.facets(), "when": self.when,
                "section": self.section,
                "paragraph": self.paragraph, "page": self.page, "chunk_id": self.chunk_id, "text": self.text,
                "quote": self.quote, "ocr": self.ocr}

    def location(self) -> str:
        parts = [p for p in (self.section, f"para {self.paragraph}" if self.paragraph and self.paragraph[0].isdigit()
                             else self.paragraph, f"p. {self.page}" if self.page else "") if p]
        return ", ".join(parts)

    def reference(self) -> str:
        """One line an officer can paste: title (date), location."""
        date = f" ({self.when})" if self.when else ""
        return f"{self.title or self.source}{date}, {self.location()}" if self.location() else f"{self.title}{date}"


@dataclass
class AnswerSentence:
    text: str  # as shown, with its markers and any group lead
    citations: list[int]
    support: float = 0.0  # 0..1: how well the cited passages support the claim (set by the support check)
    supported: bool = False
    lead: str = ""  # an editorial lead-in at the start of ``text`` ("Areas for improvement:"), not a claim

    @property
    def claim(self) -> str:
        return self.text[len(self.lead):].strip() if self.lead and self.text.startswith(self.lead) else self.text


@dataclass
class Answer:
    question: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    sentences: list[AnswerSentence] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    backend: str = "offline"
    retrieval_query: str = ""
    groups: dict[str, list[int]] = field(default_factory=dict)  # "strengths"/"improvement" -> sentence indexes
    notice: str = ""  # e.g. why it abstained
    scope: dict[str, Any] = field(default_factory=dict)  # filters the question implied (council, year, type)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "notice": self.notice,
            "backend": self.backend,
            "citations": [c.to_dict() for c in self.citations],
            "sentences": [asdict(s) for s in self.sentences],
            "passages": [p.to_dict() for p in self.passages],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "retrieval_query": self.retrieval_query,
            "scope": dict(self.scope),
        }
