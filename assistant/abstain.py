"""Signals that the indexed documents cannot answer a question, beyond a weak evidence score.

* Answer type: a question asking for a figure, a date or a grade needs a sentence that holds one; "how many X"
  needs a figure that counts X.
* Absent combination: a council named with an inspection type or document kind the index holds no document of.
* Unknown subject: a proper name (not an acronym) that no indexed chunk contains, or a year that is neither a
  document's year nor written in the retrieved passages ("Norfolk's letter", "the 2021 inspection"), means
  the question is about something that is not in the index.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.answer_type import AskedFor, holds
from domain.facets import Filters

if TYPE_CHECKING:
    from assistant.plan import IndexFacts, Mentions, QueryPlan

_NUMBER = re.compile(r"^(\d[\d,.]*%?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                     r"forty|fifty|hundred|hundreds|thousand|thousands|dozens?)$", re.I)
#: How close (in words) a figure must stand before the counted thing: "27 areas of strength", "16 inspectors".
COUNT_WINDOW = 4


def answer_type_mismatch(asked: AskedFor, quotes: list[str], terms: Callable[[str], list[str]] | None = None) -> str:
    """Why the chosen sentences cannot answer this kind of question, or "" if they can.

    ``terms`` (the BM25 analyser) enables the count check: "how many taxi drivers …?" needs a figure that
    counts taxi drivers, not any figure.
    """
    text = "\n".join(quotes)  # a quote's end stays a line end ("Overall effectiveness Good" states a grade)
    wanted = asked.types
    missing = frozenset(k for k in wanted if not holds(text, frozenset({k})))
    if missing == {"grade"}:
        return "the question asks for an inspection grade, and no retrieved passage states one"
    if missing:
        kind = "a sum of money" if "money" in missing else "a percentage" if "percent" in missing else \
            "a date" if missing == {"date"} else "how often" if missing == {"frequency"} else \
            "a person's name" if missing == {"person"} else \
            "the organisation delivering the services" if missing == {"provider"} else "a figure"
        return f"the question asks for {kind}, and no retrieved passage gives one"
    counted = asked.counted
    if terms is not None and counted and "money" not in wanted and "percent" not in wanted:
        # The head noun of each conjunct ("teachers and pupils": a count of either answers it).
        heads = [t[-1] for t in (terms(part) for part in re.split(r"\s+(?:and|or)\s+", counted)) if t]
        if heads and not any(_counts(quote, head, terms) for quote in quotes for head in heads):
            return f"the question asks how many {counted.strip()}, and no retrieved passage counts them"
    return ""


def _counts(sentence: str, head: str, terms: Callable[[str], list[str]]) -> bool:
    words = re.findall(r"[\w%][\w%,.'’-]*", sentence)
    for i, word in enumerate(words):
        if _NUMBER.match(word.rstrip(".,")):
            window = " ".join(words[i + 1:i + 1 + COUNT_WINDOW])
            if head in terms(window):
                return True
    return False


def absent_combination(context: Mentions, lexical: Any) -> str:
    """The question names a council with an inspection type or a kind of document ("Cheshire East's JTAI
    letter", "Cheshire East's ILACS") that no indexed document has together, or ""."""
    kinds = sorted(context.doc_types)
    for council in sorted(context.councils) or [None]:
        for kind in kinds or [None]:
            for itype in sorted(context.inspection_types) or [None]:
                if not (kind or itype) or not (council or itype):
                    continue  # a council alone is unknown_subject's; "the letter" alone names no combination
                mask = lexical.mask(Filters(council=council, doc_type=kind, inspection_type=itype))
                if mask is not None and not mask.any():
                    what = " ".join(x for x in (itype, kind or "document") if x)
                    return f"no {what} {'from ' + council + ' ' if council else ''}is indexed"
    return ""


_ABOUT_AN_INSPECTION = re.compile(r"\b(?:inspect\w*|visit(?:ed)?|ofsted|judg\w*|rated|graded|grade|lead inspector)\b",
                                  re.I)


def absent_inspection(plan: QueryPlan, facts: IndexFacts) -> str:
    """The question asks about one council's inspection, or a judgement area of it, in a year from which the index
    holds none of that council's documents ("what did Ofsted find when it inspected Southend in 2022?", "how did
    Staffordshire do for care leavers in 2016?"), or ""."""
    if len(plan.mentions.councils) != 1 or len(plan.mentions.years) != 1 or plan.change \
            or not (_ABOUT_AN_INSPECTION.search(plan.condensed) or plan.areas):
        return ""
    council, year = next(iter(plan.mentions.councils)), next(iter(plan.mentions.years))
    inspections = facts.inspections(council)
    docs = [d for d in facts.documents if d.council == council]
    years = {int(v[:4]) for d in docs for v in (d.inspection_start, d.inspection_end, d.date, d.published)
             if v[:4].isdigit()}
    if not inspections or year in years:
        return ""
    held = ", ".join(sorted({str(d.year) for d in inspections}))
    return f"no inspection of {council} from {year} is indexed (its inspections: {held})"


def unknown_subject(plan: QueryPlan, facts: IndexFacts, passages_text: str) -> str:
    """A name or year in the question that the index never mentions, or "" if there is none."""
    lexicon = facts.lexicon
    for council in sorted(plan.mentions.unknown_councils):
        return f"no indexed document is from {council}"
    for name in plan.names:
        terms = lexicon.terms(name)
        if terms and all(t not in lexicon.vocab for t in terms):
            return f"the documents never mention {name}"
    for year in sorted(plan.mentions.years):
        if year not in facts.document_years and str(year) not in passages_text:
            return f"no indexed document is from {year} or mentions it in the passages found"
    return ""
