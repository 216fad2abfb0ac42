"""Expected answer types: what kind of expression a question asks for, and whether a text holds one.

Classic question answering's cheapest strong signal: "when did X start?" wants a date, "what proportion?" a
percentage, "how many?" a figure. The reranker prefers passages that hold the expected type, and abstention
refuses an answer whose sentences hold none of it.
"""

from __future__ import annotations

import re

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_NUMBER_WORD = r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundred|" \
               r"thousand|half|dozen)\b"

_WANTS = {
    "percent": re.compile(r"\b(?:proportion|percentage|per ?cent|share of)\b|%", re.I),
    "money": re.compile(r"\bhow much (?:did|does|do|was|were|is|will|has|have)\b.*\b(?:cost|spend|spent|fund|"
                        r"funding|pay|paid|contribute|budget|invest)|\bcost\b|\bbudget\b", re.I),
    "frequency": re.compile(r"\bhow (?:often|frequently|regularly)\b", re.I),
    "number": re.compile(r"\bhow (?:many|much|long|big)\b|\bnumber of\b|\bwhat (?:percentage|proportion)\b",
                         re.I),
    "date": re.compile(r"^\s*when\b|\bwhen (?:did|was|were|will|is|does|do|had|has)\b|\bwhat date\b|"
                       r"\b(?:which|what) (?:year|month)\b", re.I),
    # A person by name, not any "who" ("who attends MAPPA meetings?" wants agencies).
    "person": re.compile(r"\bwho (?:chaired|chairs|led|leads|wrote|signed|heads|headed|is the|was the)\b|"
                         r"\bname of the\b|\bwhat (?:is|was) (?:the |their |his |her )?name\b", re.I),
}
# Capitalised words of titles and bodies, which are not anybody's name ("Deputy Chief Executive, Director …")
_NOT_NAME = (r"(?!(?:Chief|Deputy|Executive|Director|Assistant|Head|Lead|Interim|Independent|Council|Borough|"
             r"County|Police|Children|Services|Safeguarding|Partnership|Board|Committee|Cabinet|Member|Officer|"
             r"Service|Care|Health|Trust|NHS|The|Local)\b)")
_NAME = _NOT_NAME + r"[A-Z][a-z]+\s+" + _NOT_NAME + r"[A-Z][a-z’'-]+"
_ROLE = (r"(?:chair|director|executive|officer|manager|inspector|councillor|constable|commissioner|nurse|lead|"
         r"head|member|leader|scrutineer|advisor|adviser|minister)")
_HOLDS = {
    "percent": re.compile(r"\d\s*%|\bper ?cent\b", re.I),
    "money": re.compile(r"£\s?\d|\d\s?(?:k|m|million|bn)\b.*\bpounds?\b|\b\d[\d,.]*\s?pounds?\b", re.I),
    "frequency": re.compile(r"\b(?:daily|weekly|fortnightly|monthly|quarterly|annually|yearly|once|twice|every|"
                           r"regular(?:ly)?|times)\b|\d", re.I),
    "number": re.compile(r"\d|" + _NUMBER_WORD, re.I),
    "date": re.compile(_MONTH + r"\s+(?:19|20)\d\d|\b\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTH + r"|\b(?:19|20)\d\d\b"),
    # "Cllr James Courtenay", "Elizabeth Chidgey, Independent chair of …", "Andy Prophet, Essex Police, said"
    "person": re.compile(r"\b(?:Cllr|Councillor|Dr|Mr|Mrs|Ms|Miss|Professor|Sir|Dame)\.?\s+[A-Z][a-z]+|"
                         r"\b" + _NAME + r",\s+(?:[A-Za-z&]+\s+){0,4}(?i:" + _ROLE + r")\b|"
                         r"\b" + _NAME + r",(?:\s+[A-Z][\w&]*)*,?\s+(?:said|says)\b"),
}


def expected_types(question: str) -> frozenset[str]:
    """The answer types a question asks for ("percent" and "money" imply "number")."""
    return frozenset(kind for kind, pattern in _WANTS.items() if pattern.search(question))


def holds(text: str, kinds: frozenset[str]) -> bool:
    """True if the text holds an expression of every expected type (vacuously true for none)."""
    return all(_HOLDS[kind].search(text) for kind in kinds)
