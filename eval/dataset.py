"""The Q&A set format (JSONL) and its validation against the corpus."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from domain.text import normalize_for_match

TYPES = ("fact", "list", "multi", "numeric", "compare", "unanswerable")


@dataclass
class GoldQuote:
    doc: str
    quote: str


@dataclass
class QAItem:
    id: str
    question: str
    type: str
    answer: str = ""
    must_include: list[str] = field(default_factory=list)
    gold: list[GoldQuote] = field(default_factory=list)
    # Optional, for per-kind and per-split scores (eval/qa/real.jsonl); the sample set leaves them empty.
    kind: str = ""
    council: str = ""
    split: str = ""
    ci: bool = False
    expected_councils: list[str] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


def load_qa(path: Path) -> list[QAItem]:
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            items.append(QAItem(id=str(raw["id"]), question=raw["question"], type=raw.get("type", "fact"),
                                answer=raw.get("answer", ""), must_include=list(raw.get("must_include", [])),
                                gold=[GoldQuote(g["doc"], g["quote"]) for g in raw.get("gold", [])],
                                kind=raw.get("kind", ""), council=raw.get("council", ""), split=raw.get("split", ""),
                                ci=bool(raw.get("ci", False)),
                                expected_councils=list(raw.get("expected_councils", []))))
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}:{number}: not a valid Q&A line ({exc})") from exc
    return items


def document_text(path: Path) -> str:
    """A document's text as the product reads it (any format ingest accepts; pages joined)."""
    from ingest.loaders import load_file

    return "\n".join(load_file(path, 200_000_000).pages)


def validate(items: list[QAItem], corpus_dir: Path) -> list[str]:
    """Problems with the set: gold quotes must be verbatim (whitespace/quote-normalised) in their documents."""
    problems = []
    texts: dict[str, str] = {}
    ids = set()
    for item in items:
        if item.id in ids:
            problems.append(f"{item.id}: duplicate id")
        ids.add(item.id)
        if item.type not in TYPES:
            problems.append(f"{item.id}: unknown type {item.type}")
        if item.answerable and (not item.gold or not item.must_include):
            problems.append(f"{item.id}: answerable but has no gold quotes or must_include")
        if not item.answerable and (item.gold or item.must_include):
            problems.append(f"{item.id}: unanswerable but has gold/must_include")
        for g in item.gold:
            if g.doc not in texts:
                doc_path = corpus_dir / g.doc
                if not doc_path.exists():
                    problems.append(f"{item.id}: gold document {g.doc} not in {corpus_dir}")
                    continue
                texts[g.doc] = normalize_for_match(document_text(doc_path))
            if normalize_for_match(g.quote) not in texts[g.doc]:
                problems.append(f"{item.id}: gold quote not verbatim in {g.doc}: {g.quote[:60]}…")
        gold_text = " ".join(texts.get(g.doc, "") for g in item.gold)
        for phrase in item.must_include:
            if normalize_for_match(phrase) not in gold_text:
                problems.append(f"{item.id}: must_include {phrase!r} not in its gold documents")
    return problems
