"""Understanding a question, once: the query plan every stage reads.

``plan_question`` runs once per question. It reads what the question names (councils, years, inspection types,
kinds of document), the scope that implies, the sides of a comparison, the expected answer type, the section
kinds it asks for, the glossary expansions, and the texts each retrieval leg searches. Nothing downstream
re-detects any of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from assistant.aggregate import AggregateAsk
from assistant.answer_type import AskedFor, proper_names
from assistant.glossary import Glossary
from domain.facets import Filters
from domain.gazetteer import Match
from domain.gazetteer import load as load_gazetteer
from domain.kinds import FRAMEWORK_BY_VALUE
from domain.layouts import (
    BOILERPLATE_SECTION,
    CHANGE_FROM,
    CHANGE_OVER_TIME,
    SHORTFALL_ASKED,
    doc_kinds_named,
    inspection_types_named,
    judgement_areas_named,
    section_cues,
)
from vectorstore.records import DocumentRecord


class Lexicon(Protocol):
    """The keyword index as the planner and the checks use it (``assistant.lexical.LexicalIndex``)."""

    vocab: dict[str, int]

    def terms(self, text: str) -> list[str]: ...

    def term_weights(self, terms: list[str]) -> dict[str, float]: ...

    def mask(self, filters: Filters | None) -> np.ndarray | None: ...


@dataclass(frozen=True)
class IndexFacts:
    """What the index holds, as question understanding needs it: one snapshot per index version."""

    councils: frozenset[str]
    inspection_types: frozenset[str]
    document_years: frozenset[int]
    glossary: Glossary
    lexicon: Lexicon
    documents: tuple[DocumentRecord, ...] = ()

    def inspections(self, council: str) -> list[DocumentRecord]:
        """The council's Ofsted documents of a framework (reports and visit letters), oldest first."""
        return sorted((d for d in self.documents if d.council == council and d.framework in FRAMEWORK_BY_VALUE
                       and d.doc_type == FRAMEWORK_BY_VALUE[d.framework].publishes),
                      key=lambda d: (d.inspection_start or d.date, d.source))

    def full_inspections(self, council: str) -> list[DocumentRecord]:
        """The council's full inspection reports (ILACS, SIF, pre-SIF: each supersedes the one before), oldest
        first; a visit letter or a themed joint inspection supersedes nothing."""
        return [d for d in self.inspections(council) if d.doc_type == "inspection report"]


def council_mentions(text: str) -> list[Match]:
    """The councils a question names, through the gazetteer's names, aliases and short forms ("Southend",
    "Hull", "the Royal Borough of Windsor and Maidenhead"); an ambiguous name ("Cheshire") is the former county,
    never one of its successors; "Essex Police" names the police. A question's capitalised first word that is also
    an ordinary word names nothing when it reads as that word ("Reading the report, …"; not "Reading adoption
    grade 2016" or "Reading's")."""
    gazetteer = load_gazetteer()
    return [m for m in gazetteer.find(text, informal=True) if not gazetteer.names_other_body(text, m)
            and not gazetteer.reads_as_word(text, m)]


@dataclass(frozen=True)
class Mentions:
    """What a text says about which documents it means: councils, years, inspection types, kinds of document."""

    councils: frozenset[str] = frozenset()  # named councils the index holds documents from
    years: frozenset[int] = frozenset()
    inspection_types: frozenset[str] = frozenset()
    doc_types: frozenset[str] = frozenset()
    unknown_councils: frozenset[str] = frozenset()  # named councils no indexed document is from

    @classmethod
    def detect(cls, text: str, known_councils: set[str] | frozenset[str],
               known_types: set[str] | frozenset[str]) -> Mentions:
        gazetteer = load_gazetteer()
        named = {m.council for m in council_mentions(text)}
        councils = {c.name for c in named if c.name in known_councils}
        # A former county whose successor is indexed ("Cheshire" beside Cheshire East) is neither a scope (it is
        # ambiguous) nor unknown.
        unknown = {c.name for c in named if c.name not in known_councils
                   and not any(s in known_councils for s in c.successors)
                   and not any(p.name in known_councils for p in gazetteer.predecessors(c))}
        years = {int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", text)}
        return cls(frozenset(councils), frozenset(years), frozenset(inspection_types_named(text, known_types)),
                   frozenset(doc_kinds_named(text)), frozenset(unknown))

    def words(self) -> str:
        return " ".join([*self.councils, *map(str, self.years), *self.inspection_types])

    def match(self, chunk: Any) -> float:
        """The share of the named facets a chunk's document has (0 when the text names none)."""
        facets = []
        if self.councils:
            facets.append(chunk.council in self.councils)
        if self.years:
            facets.append(chunk.year in self.years)
        if self.inspection_types:
            facets.append(chunk.inspection_type in self.inspection_types)
        if self.doc_types:  # a preference, never a filter: the cabinet report quotes the letter's findings
            facets.append(chunk.doc_type in self.doc_types)
        return sum(facets) / len(facets) if facets else 0.0


class TermMatcher:
    """IDF-weighted coverage of query terms, with acronyms and their long forms counted as the same term."""

    def __init__(self, lexicon: Lexicon, question: str, glossary_terms: dict[str, str],
                 exclude: set[str] | frozenset[str] = frozenset()):
        self.lexicon = lexicon
        # ``exclude``: terms that describe *which* documents (council, year, inspection type), scored as
        # metadata priors instead: otherwise any chunk that merely names the council wins.
        self.weights = lexicon.term_weights([t for t in lexicon.terms(question) if t not in exclude])
        self.alternatives: dict[str, list[set[str]]] = {}
        for acronym, long_form in glossary_terms.items():
            for stem in lexicon.terms(acronym):
                long_terms = set(lexicon.terms(long_form))
                if stem in self.weights and long_terms:
                    self.alternatives.setdefault(stem, []).append(long_terms)
        self.total = sum(self.weights.values()) or 1.0

    def coverage(self, text: str) -> float:
        present = set(self.lexicon.terms(text))
        return sum(weight for term, weight in self.weights.items() if self.found(term, present)) / self.total

    def found(self, term: str, present: set[str]) -> bool:
        """Whether a text with the terms ``present`` holds ``term``, or the long form of the acronym it is."""
        return term in present or any(alt <= present for alt in self.alternatives.get(term, ()))


@dataclass(frozen=True)
class Search:
    """One retrieval the plan asks for: the documents it may use and the words keyword search looks for."""

    filters: Filters
    keyword_text: str


@dataclass(frozen=True)
class QueryPlan:
    question: str  # as asked
    condensed: str  # the standalone question (an LLM's rewrite of a follow-up; else the question)
    context: str  # an offline follow-up's carried previous question ("" if none)
    query: str  # what retrieval is about: the condensed question and its context
    filters: Filters  # the user's own
    scope: Filters | None  # the user's filters plus the council/year/type the question names (None: none)
    sides: tuple[Filters, ...]  # one filter per side of a comparison (empty if it is not one)
    mentions: Mentions  # what the condensed question names (scope, sides, absent combinations)
    query_mentions: Mentions  # what the query names, context included (the rerank's metadata prior)
    asked: AskedFor  # the kind of answer it asks for (a date, a person, a count of X, a grade …)
    areas: tuple[str, ...]  # the judgement areas it names ("care leavers": domain.kinds keys)
    names: tuple[str, ...]  # the proper names it uses (an unknown one means the index cannot answer)
    section_cues: frozenset[str]  # section kinds it asks for ("strengths", "improvement", …)
    asks_boilerplate: bool  # it asks about a council report's statutory sections (implications, appendices)
    shortfall_worded: bool  # it asks what falls short in other words ("what was wrong with …"; layouts.toml)
    expansions: tuple[str, ...]  # glossary long forms / acronyms added to the search
    search_text: str  # what is embedded
    rerank_text: str  # what the reranker compares passages with
    compose_text: str  # what the answerer answers
    searches: tuple[Search, ...]  # the main search, then one per side
    matcher: TermMatcher = field(compare=False)
    #: Which of a council's inspections the question is about: the one the scope narrowed to (its latest full
    #: inspection when no year is named), or, for a question about change over time, each of them oldest first.
    inspections: tuple[DocumentRecord, ...] = ()
    earlier: int = 0  # how many earlier full inspections of the council are indexed (the answer says so)
    change: bool = False  # answered from each inspection, oldest first, dated
    #: The plan without the narrowing to one inspection: the latest report may not cover an older topic
    #: ("the LSCB" is in the 2014 report only), so a weak answer from it is retried from all of them.
    broader: QueryPlan | None = field(default=None, compare=False)
    #: A question about a set of councils' judgements, answered from the judgements table (None: not one).
    aggregate: AggregateAsk | None = None

    @property
    def asks_shortfall(self) -> bool:
        """It asks what needs to improve (or what was wrong, why a grade was poor) and not also what is strong:
        passages wording a shortfall are preferred (for "strengths and areas for improvement" that preference
        would push the strengths out)."""
        return ("improvement" in self.section_cues or self.shortfall_worded) and "strengths" not in self.section_cues

    def scope_added(self) -> dict[str, Any]:
        """What the question's own scope added to the user's filters (for display: "searched: 2019, ILACS")."""
        if self.scope is None:
            return {}
        return {k: v for k, v in asdict(self.scope).items() if v and k != "lenient" and getattr(self.filters, k) != v}


MAX_IMPLICIT_SIDES = 3  # councils an "each/either council" question is split into when it names none
_EACH = re.compile(r"\b(each|both|either|all)( of the)? (councils?|areas?|authorit(?:y|ies))\b|\bcompared? (with|to)\b|"
                   r"\bversus\b|\bvs\.?\b|\bdiffer", re.I)


def plan_question(question: str, facts: IndexFacts, filters: Filters | None = None, *, condensed: str | None = None,
                  context: str = "", use_scope: bool = True, use_glossary: bool = True,
                  narrow: bool = True) -> QueryPlan:
    """The plan for one question. ``condensed``/``context``: how the answerer read a follow-up (see
    ``Answerer.standalone``); ``narrow``: narrow a council's question to one of its inspections."""
    filters = filters or Filters()
    condensed = condensed or question
    query = " ".join(x for x in (condensed, context) if x)
    mentions = Mentions.detect(condensed, facts.councils, facts.inspection_types)
    query_mentions = mentions if query == condensed else Mentions.detect(query, facts.councils, facts.inspection_types)
    sides = comparison_sides(condensed, filters, mentions, facts)
    scope = None if sides or not use_scope else implied_scope(filters, mentions, facts)
    inspections, earlier, change, broad = (), 0, False, None
    if narrow and use_scope and not sides and scope is not None and scope.council and len(mentions.councils) == 1 \
            and not filters.doc_id:
        inspections, earlier, change, narrowed = which_inspections(condensed, scope, mentions, facts)
        if change:
            sides, scope = [replace(scope, doc_id=d.doc_id) for d in inspections], None
        elif narrowed is not None:
            broad = plan_question(question, facts, filters, condensed=condensed, context=context,
                                  use_scope=use_scope, use_glossary=use_glossary, narrow=False)
            scope = narrowed
    glossary = facts.glossary
    expansions = tuple(glossary.expansions(query)) if use_glossary else ()
    search_text = query + (f" ({'; '.join(expansions)})" if expansions else "")

    def search(f: Filters) -> Search:
        # Words naming what the filters already enforce ("Southend", "JTAI", "2019") match every candidate's
        # document and only reward chunks that repeat them: keyword search leaves them (and their long forms) out.
        keywords = without_scope(query, f, glossary.terms)
        more = glossary.expansions(keywords) if use_glossary else []
        return Search(f, keywords + (f" ({'; '.join(more)})" if more else ""))

    searches = (search(scope or filters), *(search(s) for s in sides))
    # Coverage counts the query's own terms (acronym and long form count as one term), not the expansions:
    # those are common words ("child sexual exploitation") that would drown the signal.
    matcher = TermMatcher(facts.lexicon, query, glossary.terms,
                          exclude=set(facts.lexicon.terms(query_mentions.words())))
    rerank_text = condensed if not context else search_text
    return QueryPlan(
        question=question, condensed=condensed, context=context, query=query, filters=filters, scope=scope,
        sides=tuple(sides), mentions=mentions, query_mentions=query_mentions,
        asked=AskedFor.of(condensed), names=proper_names(question), areas=tuple(judgement_areas_named(condensed)),
        section_cues=frozenset(section_cues(rerank_text)) | frozenset(judgement_areas_named(rerank_text)),
        asks_boilerplate=bool(BOILERPLATE_SECTION.search(rerank_text)),
        shortfall_worded=bool(SHORTFALL_ASKED.search(rerank_text)), expansions=expansions,
        search_text=search_text, rerank_text=rerank_text,
        compose_text=condensed if not context else f"{question} {context}", searches=searches, matcher=matcher,
        inspections=tuple(inspections), earlier=earlier, change=change, broader=broad,
        aggregate=AggregateAsk.of(condensed, mentions, judgement_areas_named(condensed)))


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def which_inspections(question: str, scope: Filters, mentions: Mentions, facts: IndexFacts
                      ) -> tuple[list[DocumentRecord], int, bool, Filters | None]:
    """(the inspections the question is about, how many earlier full inspections exist, is it about change over
    time, the scope narrowed to one inspection or None). A question naming no year is about the council's latest
    full inspection; one naming a year, about that year's (the scope's year does the filtering); one about change,
    about each of its inspections (since a year it names), oldest first."""
    council = scope.council or ""
    all_of = facts.inspections(council)
    full = facts.full_inspections(council)
    over_time = CHANGE_OVER_TIME.search(question) or (_COMPARE.search(question) and len(mentions.years) >= 2)
    if over_time and len(all_of) >= 2:
        years = sorted(mentions.years)
        since = CHANGE_FROM.search(question)
        first = int(next(g for g in since.groups() if g)) if since else (years[0] if len(years) >= 2 else 0)
        last = years[-1] if len(years) >= 2 and not since else 9999
        chosen = [d for d in all_of if first <= d.year <= last] or all_of
        if len(chosen) >= 2:
            return chosen, 0, True, None
    if mentions.years:
        of_year = [d for d in all_of if d.year in mentions.years]
        return of_year[-1:], 0, False, None
    if len(full) >= 2:
        latest = full[-1]
        return [latest], len(full) - 1, False, replace(scope, doc_id=latest.doc_id)
    return [], 0, False, None


_COMPARE = re.compile(r"\bcompar(?:e|ed|ing|ison)\b", re.I)


def comparison_sides(question: str, filters: Filters, mentions: Mentions, facts: IndexFacts) -> list[Filters]:
    """The sides of a comparison question (two councils, years or inspection types), as filters; [] if none."""
    if len(mentions.councils) >= 2 and not filters.council:
        return [replace(filters, council=c) for c in sorted(mentions.councils)]
    # "either council" over an index of many councils names no sides: one search per council would cost a
    # retrieval each (seconds at 100k chunks) for a comparison the question never asked for.
    if _EACH.search(question) and not filters.council and not mentions.councils and \
            2 <= len(facts.councils) <= MAX_IMPLICIT_SIDES:
        return [replace(filters, council=c) for c in sorted(facts.councils)]
    if len(mentions.inspection_types) >= 2 and not filters.inspection_type:
        return [replace(filters, inspection_type=t) for t in sorted(mentions.inspection_types)]
    if len(mentions.years) >= 2 and not (filters.year_from or filters.year_to):
        council = next(iter(mentions.councils)) if len(mentions.councils) == 1 and not filters.council else None
        if council and (CHANGE_OVER_TIME.search(question) or _COMPARE.search(question)):
            return []  # one council's inspections over time: the change path takes each of them, oldest first
        return [replace(filters, council=council or filters.council, year_from=y, year_to=y)
                for y in sorted(mentions.years)]
    return []


def implied_scope(filters: Filters, mentions: Mentions, facts: IndexFacts) -> Filters | None:
    """The filters a question implies by naming one council, one document year or one inspection type
    ("what did the 2019 inspection of Southend find?"), on top of the user's own; None if it implies none.

    A rule-based self-query: the documents the question is about are searched, not the whole index, so another
    council's or year's near-identical wording cannot crowd them out. Facets the user set are left alone; a
    year counts only when some document is from it (a year of events, "by February 2019", is not a scope).
    """
    implied: dict[str, Any] = {}
    if len(mentions.councils) == 1 and not filters.council:
        implied["council"] = next(iter(mentions.councils))
    if len(mentions.years) == 1 and not (filters.year_from or filters.year_to):
        year = next(iter(mentions.years))
        if year in facts.document_years:
            implied["year_from"] = implied["year_to"] = year
    if len(mentions.inspection_types) == 1 and not filters.inspection_type:
        implied["inspection_type"] = next(iter(mentions.inspection_types))
    # A scope that matches nothing is relaxed, the year first (it may be a year of events), then the
    # inspection type; the council is the last to go.
    for drop in ((), ("year_from", "year_to"), ("year_from", "year_to", "inspection_type")):
        kept = {k: v for k, v in implied.items() if k not in drop}
        if not kept:
            break
        # lenient: a document whose council or year could not be read is never hidden by the question's scope
        scoped = replace(filters, **kept, lenient=True)
        mask = facts.lexicon.mask(scoped)
        if mask is None or mask.any():
            return scoped
    return None


def without_scope(text: str, filters: Filters, glossary_terms: dict[str, str]) -> str:
    """``text`` without the council, inspection type (and its long form) and single year that ``filters`` pin."""
    names: list[str] = []
    if filters.council:
        names += [filters.council, *(m.text for m in council_mentions(text) if m.council.name == filters.council)]
    if filters.inspection_type:
        names += [filters.inspection_type, glossary_terms.get(filters.inspection_type, "")]
    if filters.year_from and filters.year_from == filters.year_to:
        names.append(str(filters.year_from))
    for name in sorted((n for n in names if n), key=len, reverse=True):
        text = re.sub(r"(?<!\w)" + re.escape(name) + r"(?:['’]s)?(?!\w)", " ", text, flags=re.I)
    return " ".join(text.split())


_FOLLOW_UP = re.compile(r"^(and|also|what about|how about|what else|but|so|then|same for|and what)\b|"
                        r"\b(it|its|they|them|their|those|these|that|this|he|she|there)\b", re.I)


def follow_up_context(question: str, history: Sequence[dict[str, str]]) -> str:
    """Without an LLM, carry the previous question's topic into retrieval for short follow-ups."""
    previous = [m.get("content", "") for m in history if m.get("role") == "user" and m.get("content")]
    if not previous:
        return ""
    if len(question.split()) <= 10 or _FOLLOW_UP.search(question):
        return previous[-1]
    return ""
