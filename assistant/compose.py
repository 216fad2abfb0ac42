"""The default, offline answerer: an extractive answer built from the best-supported sentences.

Every sentence it writes is a verbatim sentence of a retrieved passage, followed by that passage's marker,
so support is exact by construction. Strengths and areas for improvement are grouped when both appear.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.answer_type import holds
from assistant.plan import TermMatcher, follow_up_context
from assistant.protocols import Draft
from assistant.report_facts import inspection_month
from assistant.types import AnswerSentence, Citation, Passage
from domain.layouts import answer_leads, states_shortfall
from domain.text import normalize_for_match

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.plan import QueryPlan

#: Section kind -> the lead of its group in an answer ("Inspectors found strengths:")
GROUP_TITLES = answer_leads()
#: The lead of sentences from other sections after a group
ALSO = "Also:"


class OfflineAnswerer:
    """The default answerer: verbatim sentences of the retrieved passages, each followed by its marker."""

    name = "offline"
    stage = "compose"

    def __init__(self, max_sentences: int = 4, passage_margin: float = 0.08, sentence_ratio: float = 0.6,
                 per_passage: int = 2):
        self.max_sentences, self.passage_margin = max_sentences, passage_margin
        self.sentence_ratio, self.per_passage = sentence_ratio, per_passage

    @classmethod
    def from_settings(cls, s: Settings) -> OfflineAnswerer:
        return cls(s.max_answer_sentences, s.answer_passage_margin, s.answer_sentence_ratio, s.answer_per_passage)

    def standalone(self, question: str, history: Sequence[dict[str, str]]) -> tuple[str, str]:
        return question, follow_up_context(question, history)

    def answer(self, plan: QueryPlan, passages: Sequence[Passage]) -> Draft:
        return compose(plan, list(passages), self.max_sentences, self.passage_margin, self.sentence_ratio,
                       self.per_passage)


@dataclass
class _Candidate:
    passage: Passage
    passage_rank: int
    position: int
    text: str
    score: float
    last: int  # the last sentence position it spans (a list's items), == position for a plain sentence


def _sentence_score(p: Passage, i: int, last: int, text: str, matcher: TermMatcher, wanted: frozenset[str],
                    top: float, shortfall: bool = False) -> float:
    # The sentence's own fit, plus its passage's rerank score (relative to the best passage's), so a strong
    # passage's sentences beat a word-matching sentence of a weak one; plus the expected answer type.
    # A list (sentences i..last, ``text``) is scored as a whole: its best item, its terms together.
    similarity = max(p.sentence_scores[i:last + 1])
    score = 0.4 * similarity + 0.4 * matcher.coverage(text) + 0.2 * (p.score / top if top > 0 else 0.0)
    if wanted and holds(text, wanted):
        score += 0.15
    if shortfall and states_shortfall(text):  # asked what needs to improve: the sentences that say what falls short
        score += 0.15
    if len(text.split()) < 5 or text[:1].islower():  # fragments read badly on their own
        score -= 0.15
    return score


def compose(plan: QueryPlan, passages: list[Passage], max_sentences: int = 4, passage_margin: float = 0.08,
            sentence_ratio: float = 0.8, per_passage: int = 2) -> Draft:
    """Pick up to ``max_sentences`` sentences from the top passages and cite each."""
    if not passages:
        return Draft("", [], [], abstained=True, notice="no passage to answer from")
    if plan.change:
        return _timeline(plan, passages, per_passage)
    top = passages[0].score
    top_coverage = passages[0].scores.get("coverage", 0.0)
    # Eligible: close to the best score, or covering the question's terms as fully as the best passage does
    # (equally on-topic passages should not lose out to term frequency in one of them).
    usable = [p for p in passages[:4] if p.sentences and (
        p.score >= top - passage_margin or p.scores.get("coverage", 0.0) >= max(0.5, top_coverage - 0.02))]
    candidates = _candidates(plan, usable, top)
    if not candidates:
        return Draft("", [], [], abstained=True, notice="no sentence of the passages found to quote")
    candidates.sort(key=lambda c: c.score, reverse=True)
    best = candidates[0].score
    chosen: list[_Candidate] = []
    used_per_passage: dict[str, int] = {}
    taken: set[tuple[str, int]] = set()  # (chunk id, sentence position) already in the answer
    for c in candidates:
        if len(chosen) >= max_sentences or c.score < best * sentence_ratio:
            break
        cid = c.passage.chunk.id
        span = {(cid, i) for i in range(c.position, c.last + 1)}
        if span & taken or used_per_passage.get(cid, 0) >= per_passage or \
                _near_duplicate(c.text, [x.text for x in chosen]):
            continue
        taken |= span
        chosen.append(c)
        used_per_passage[cid] = used_per_passage.get(cid, 0) + 1
    caveat = _caveat(plan, candidates, chosen, taken, best * CAVEAT_RATIO, max_sentences)
    if caveat is not None:
        chosen.append(caveat)
    return _write(plan, chosen)


#: A qualification of a quoted passage may score this share of the best sentence (less than any other sentence
#: needs: it is about the passage's specifics, "for some children who are the subject of repeat referrals").
CAVEAT_RATIO = 0.5


def _caveat(plan: QueryPlan, candidates: list[_Candidate], chosen: list[_Candidate], taken: set[tuple[str, int]],
            floor: float, max_sentences: int) -> _Candidate | None:
    """The best sentence wording a shortfall ("For some children … do not always …") of a passage the answer
    already quotes, when every chosen sentence reads as a strength: inspectors qualify a finding in the next
    sentences, and an answer quoted in a meeting must not drop the qualification. It may exceed the per-passage
    share; None when the question asks for strengths or for a fact (a date, a name, a figure), the answer is
    full, or a shortfall is already said."""
    if "strengths" in plan.section_cues or plan.asked.types or len(chosen) >= max_sentences or \
            any(states_shortfall(c.text) for c in chosen):
        return None
    quoted = {c.passage.chunk.id for c in chosen}
    for c in candidates:  # best first
        if c.score < floor:
            return None
        if c.passage.chunk.id in quoted and (c.passage.chunk.id, c.position) not in taken and \
                states_shortfall(c.text) and not _near_duplicate(c.text, [x.text for x in chosen]):
            return c
    return None


#: A sentence that introduces a list: a colon before a line break, or at its very end.
_LIST_LEAD = re.compile(r":\s*(\n|$)")
MAX_LIST_ITEMS = 6
_ENUMERATOR = re.compile(r"(?:\d{1,2}|[a-h]|[ivx]{1,4})[.)](?:\s|$)", re.I)


def _list_end(p: Passage, i: int) -> int:
    """The position of the last list item a list-introducing sentence ``i`` is followed by (``i`` if none).

    After a sentence that ends with its colon every following sentence of the passage is an item (a chunk keeps
    a list's introduction with its items, and nothing else after them); after a colon inside a sentence
    ("… are:\nManagers' oversight …") the items are the sentences that start a new line."""
    sentence = p.sentences[i]
    if not _LIST_LEAD.search(sentence):
        return i
    text, end, last = p.chunk.text, p.chunk.text.find(sentence), i
    if end < 0:
        return i
    end += len(sentence)
    ends_with_colon = sentence.rstrip().endswith(":")
    after_marker = False  # the last item was a bare "2." (its text is the next sentence)
    for j in range(i + 1, min(len(p.sentences), i + 1 + 2 * MAX_LIST_ITEMS)):
        at = text.find(p.sentences[j], end)
        item = ends_with_colon or after_marker or "\n" in text[end:at] or _ENUMERATOR.match(p.sentences[j])
        if at < 0 or not item:
            break  # the next sentence neither starts a line nor is numbered: the list has ended
        end, last = at + len(p.sentences[j]), j
        after_marker = bool(_ENUMERATOR.fullmatch(p.sentences[j].strip()))
    return last


def _span(p: Passage, first: int, last: int) -> str:
    """The passage's own text from sentence ``first`` to sentence ``last`` (verbatim, line breaks kept)."""
    start = p.chunk.text.find(p.sentences[first])
    end = p.chunk.text.find(p.sentences[last], start) + len(p.sentences[last])
    return p.chunk.text[start:end]


def _near_duplicate(text: str, others: list[str]) -> bool:
    words = set(normalize_for_match(text).split())
    return any(len(words & set(normalize_for_match(o).split())) / max(1, min(len(words), len(o.split()))) > 0.8
               for o in others)


def _candidates(plan: QueryPlan, passages: list[Passage], top: float) -> list[_Candidate]:
    """Every sentence of the passages, scored; ``top``: the best passage's score (sentences weigh theirs)."""
    out: list[_Candidate] = []
    shortfall = plan.asks_shortfall
    for rank, p in enumerate(passages):
        for i, text in enumerate(p.sentences):
            last = _list_end(p, i)
            # "The areas for improvement are:" means nothing without its items: a list is one candidate
            if last > i:
                text = _span(p, i, last)
            out.append(_Candidate(p, rank, i, text,
                                  _sentence_score(p, i, last, text, plan.matcher, plan.asked.types, top, shortfall),
                                  last))
    return out


def _timeline(plan: QueryPlan, passages: list[Passage], per_inspection: int) -> Draft:
    """A question about change over time: each inspection's best sentences, oldest first, each led by its date
    ("At the March 2014 inspection: …")."""
    chosen: list[tuple[str, _Candidate]] = []
    for report in plan.inspections:
        own = [p for p in passages if p.chunk.doc_id == report.doc_id]
        best = sorted(_candidates(plan, own, passages[0].score), key=lambda c: c.score, reverse=True)
        picked: list[_Candidate] = []
        for c in best:
            if len(picked) >= per_inspection or (picked and c.score < picked[0].score * 0.8):
                break
            if not _near_duplicate(c.text, [x.text for x in picked]):
                picked.append(c)
        if picked:
            month = inspection_month(report)
            chosen += [(f"At the {month} inspection:" if i == 0 else "", c) for i, c in enumerate(picked)]
    if len({c.passage.chunk.doc_id for _, c in chosen}) < 2:
        return Draft("", [], [], abstained=True, notice="the passages found cover fewer than two of the inspections")
    citations: list[Citation] = []
    number: dict[str, int] = {}
    quotes: dict[str, list[str]] = {}
    sentences: list[AnswerSentence] = []
    for lead, c in chosen:
        cid = c.passage.chunk.id
        if cid not in number:
            number[cid] = len(number) + 1
            quotes[cid] = []
            citations.append(Citation.from_passage(number[cid], c.passage, ""))
        quotes[cid].append(c.text)
        claim = _with_marker(" ".join(c.text.split()), number[cid])
        sentences.append(AnswerSentence(text=f"{lead} {claim}".strip(), citations=[number[cid]], lead=lead))
    for citation in citations:
        citation.quote = " [...] ".join(quotes[citation.chunk_id])
    text = "".join(("\n\n" if s.lead else " ") + s.text if i else s.text for i, s in enumerate(sentences))
    return Draft(text, citations, sentences)


def _write(plan: QueryPlan, chosen: list[_Candidate]) -> Draft:
    kinds = {c.passage.chunk.section_kind for c in chosen}
    groupable = set(GROUP_TITLES)
    grouped = groupable <= kinds or (bool(kinds & groupable) and bool(plan.section_cues & groupable))
    order = {kind: i for i, kind in enumerate(GROUP_TITLES)}

    def sort_key(c: _Candidate) -> tuple[int, int, int]:
        group = order.get(c.passage.chunk.section_kind, 2) if grouped else 0
        return (group, c.passage_rank, c.position)

    chosen.sort(key=sort_key)
    citations: list[Citation] = []
    number: dict[str, int] = {}
    quotes: dict[str, list[str]] = {}
    sentences: list[AnswerSentence] = []
    groups: dict[str, list[int]] = {}
    parts: list[str] = []
    current_group = None
    for c in chosen:
        cid = c.passage.chunk.id
        if cid not in number:
            number[cid] = len(number) + 1
            quotes[cid] = []
            citations.append(Citation.from_passage(number[cid], c.passage, ""))
        quotes[cid].append(c.text)
        n = number[cid]
        kind = c.passage.chunk.section_kind
        lead = ""
        if grouped and kind in GROUP_TITLES and kind != current_group:
            lead = GROUP_TITLES[kind] + " "
            current_group = kind
        elif grouped and kind not in GROUP_TITLES and current_group in GROUP_TITLES:
            lead = ALSO + " "
            current_group = kind
        claim = _with_marker(" ".join(c.text.split()), n)  # a list's line breaks read as spaces in the answer
        sentence = lead + claim
        if grouped and kind in GROUP_TITLES:
            groups.setdefault(kind, []).append(len(sentences))
        # Support is checked by the caller, as for every answerer; the group lead is editorial, not a claim.
        sentences.append(AnswerSentence(text=sentence, citations=[n], lead=lead.strip()))
        parts.append(sentence)
    for citation in citations:
        # Several sentences of one passage are joined with the editorial elision mark.
        citation.quote = " [...] ".join(quotes[citation.chunk_id])
    text = _join(parts, grouped)
    if not citations:
        return Draft("", [], [], abstained=True, notice="no sentence of the passages found to quote")
    return Draft(text, citations, sentences, groups)


def _with_marker(sentence: str, n: int) -> str:
    m = re.match(r"^(.*?)([.!?:;]?[\"'”’)]*)$", sentence.rstrip(), re.S)
    body, end = (m.group(1), m.group(2)) if m else (sentence, "")
    end = end or "."
    return f"{body.rstrip()} [{n}]{end}"


def _join(parts: list[str], grouped: bool) -> str:
    if not grouped:
        return " ".join(parts)
    out: list[str] = []
    for part in parts:
        if part.startswith((*GROUP_TITLES.values(), ALSO + " ")):
            out.append("\n\n" + part if out else part)
        else:
            out.append(" " + part if out else part)
    return "".join(out).strip()

