"""The swappable parts of the assistant, as protocols: a reranker and an answerer.

Every implementation passes the same conformance tests (tests/test_protocols.py). What used to be hidden
contracts is now either in the protocol or done by the caller for every implementation:

* A reranker only sets ``Passage.score`` (plus feature scores of its own). The base features compose and
  abstention read (``scores["coverage"]``, ``scores["sentence"]``) are computed by retrieval for every
  candidate before any reranker runs.
* An answerer returns a ``Draft`` whose sentences cite passages it was given. The answer-type check and the
  claim-support check are applied to every answerer's draft by ``Assistant.ask``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from assistant.types import AnswerSentence, Citation, Passage

if TYPE_CHECKING:
    from assistant.plan import QueryPlan


@runtime_checkable
class Reranker(Protocol):
    name: str

    def score(self, plan: QueryPlan, passages: list[Passage]) -> None:
        """Set ``score`` on each passage (higher is better); the caller sorts."""


@dataclass
class Draft:
    """An answerer's answer, before the checks every answer gets."""

    text: str  # with [n] markers
    citations: list[Citation]
    sentences: list[AnswerSentence]  # support is filled in by the caller's check
    groups: dict[str, list[int]] = field(default_factory=dict)  # section kind -> sentence indexes
    notice: str = ""
    abstained: bool = False  # the answerer itself found nothing to say (``notice`` says why)

    def prepend(self, lead: Draft) -> None:
        """Put ``lead``'s cited sentences (numbered from 1) before this draft's, renumbering this draft's markers,
        citations and groups after them (a grade or a grade timeline leading an answer)."""
        shift = {c.n: c.n + len(lead.citations) for c in self.citations}
        for c in self.citations:
            c.n = shift[c.n]
        for s in self.sentences:
            s.text, s.citations = renumber(s.text, shift), [shift[n] for n in s.citations]
        self.groups = {k: [i + len(lead.sentences) for i in v] for k, v in self.groups.items()}
        self.text = f"{lead.text} {renumber(self.text, shift)}"
        self.citations[:0] = lead.citations
        self.sentences[:0] = lead.sentences

    def lead_with(self, lead: str) -> None:
        """Open the first sentence with an editorial lead ("At its June 2025 inspection:"), not a claim."""
        first = self.sentences[0]
        first.text, first.lead = f"{lead} {first.text}", f"{lead} {first.lead}".strip()
        self.text = f"{lead} {self.text}"

    def keep(self, indexes: Sequence[int]) -> None:
        """Keep only the sentences at ``indexes`` (in order), the citations they use (renumbered from 1) and their
        groups; a sentence with a lead starts a paragraph, as the answerer wrote it."""
        kept = [self.sentences[i] for i in indexes]
        used = sorted({n for s in kept for n in s.citations})
        shift = {old: new for new, old in enumerate(used, 1)}
        self.citations = [c for c in self.citations if c.n in shift]
        for c in self.citations:
            c.n = shift[c.n]
        for s in kept:
            s.text, s.citations = renumber(s.text, shift), [shift[n] for n in s.citations]
        where = {old: new for new, old in enumerate(indexes)}
        self.groups = {k: [where[i] for i in v if i in where] for k, v in self.groups.items()}
        self.groups = {k: v for k, v in self.groups.items() if v}
        self.sentences = kept
        self.text = "".join(("\n\n" if s.lead else " ") + s.text if i else s.text for i, s in enumerate(kept))


def renumber(text: str, shift: dict[int, int]) -> str:
    """``text`` with each "[n]" marker replaced by "[shift[n]]" (markers not in ``shift`` unchanged)."""
    return re.sub(r"\[(\d+)\]", lambda m: f"[{shift.get(int(m.group(1)), int(m.group(1)))}]", text)


@runtime_checkable
class Answerer(Protocol):
    name: str
    stage: str  # its timing key in ``Answer.timings_ms`` ("compose", "llm")

    def standalone(self, question: str, history: Sequence[dict[str, str]]) -> tuple[str, str]:
        """How a follow-up reads on its own: (condensed question, context to carry into retrieval)."""

    def answer(self, plan: QueryPlan, passages: Sequence[Passage]) -> Draft:
        """Answer from ``passages`` (best first); every sentence cites some of them by number."""
