"""Expected answer types: what kind of expression a question asks for, and whether a text holds one.

Classic question answering's cheapest strong signal: "when did X start?" wants a date, "what proportion?" a
percentage, "how many?" a figure. The reranker prefers passages that hold the expected type, and abstention
refuses an answer whose sentences hold none of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.layouts import NOT_NAME_WORDS, ROLE_WORDS

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
    # Who delivers a council's services: a trust or company, for the councils whose services are run by one.
    "provider": re.compile(r"\bwho (?:runs|ran|delivers|delivered|provides|provided|operates|manages)\b", re.I),
    # An inspection judgement ("what grade did …", "how was … rated", "what was … judged").
    "grade": re.compile(r"\b(?:grade|graded|rating|rated|judgement|judged)\b|\b(?:ofsted|inspectors?) rate\b|"
                        r"\brate\s+\S+(?:\s+\S+){0,3}\s+(?:for|on)\b|"
                        r"\bhow (?:did|does|do|has|have|was|were|is|are)\b[^?]{0,60}\b(?:do|doing|done|fare|fared|"
                        r"perform|performed)\b[^?]{0,40}\b(?:care leavers|in care|looked after|help and protection|"
                        r"leaders|leadership|overall)", re.I),
}
# Capitalised words of titles and bodies, which are not anybody's name ("Deputy Chief Executive, Director …")
_NOT_NAME = r"(?!(?:" + "|".join(NOT_NAME_WORDS) + r")\b)"
_UPPER, _LOWER = "A-ZÀ-ÖØ-Þ", "a-zß-öø-ÿ"  # names carry accents ("Máire")
_NAME = _NOT_NAME + rf"[{_UPPER}][{_LOWER}’'-]+\s+" + _NOT_NAME + rf"[{_UPPER}][{_LOWER}’'-]+"
_ROLE = r"(?:" + "|".join(ROLE_WORDS) + r")"
_HOLDS = {
    "percent": re.compile(r"\d\s*%|\bper ?cent\b", re.I),
    "money": re.compile(r"£\s?\d|\d\s?(?:k|m|million|bn)\b.*\bpounds?\b|\b\d[\d,.]*\s?pounds?\b", re.I),
    "frequency": re.compile(r"\b(?:daily|weekly|fortnightly|monthly|quarterly|annually|yearly|once|twice|every|"
                           r"regular(?:ly)?|times)\b|\d", re.I),
    "number": re.compile(r"\d|" + _NUMBER_WORD, re.I),
    "date": re.compile(_MONTH + r"\s+(?:19|20)\d\d|\b\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTH + r"|\b(?:19|20)\d\d\b"),
    # "Cllr James Courtenay", "Elizabeth Chidgey, Independent chair of …", "Andy Prophet, Essex Police, said"
    # An inspection report's "Lead inspector: Lisa Walsh, His Majesty’s Inspector", "Neil Penswick HMI".
    "person": re.compile(r"\b(?:Cllr|Councillor|Dr|Mr|Mrs|Ms|Miss|Professor|Sir|Dame)\.?\s+[A-Z][a-z]+|"
                         r"\b" + _NAME + r",\s+(?:[A-Za-z&]+\s+){0,4}(?i:" + _ROLE + r")\b|"
                         r"\b" + _NAME + r",(?:\s+[A-Z][\w&]*)*,?\s+(?:said|says)\b|"
                         r"\b(?i:lead|reporting) inspector:?\s+" + _NAME + "|"
                         r"\b" + _NAME + r",?\s+(?:HMI\b|(?:His|Her) Majesty['’]s Inspector)"),
    # "… have been delivered by Northamptonshire Children’s Trust (NCT) since …": by a name, not "by their workers"
    "provider": re.compile(r"\b(?i:delivered|run|provided|operated|managed) (?i:by|through) (?:the )?[A-Z]\w|"
                           r"\b(?i:children['’]s (?:services )?trust)\b"),
    # A judgement as Ofsted words it, not any use of "good" ("good progress"): the grade words, "good" after a
    # judgement word, after a section heading's colon, or alone at the end of a judgement table's row.
    "grade": re.compile(r"\boutstanding\b|\brequires? improvement\b|\binadequate\b|"
                        r"\b(?:judged|rated|graded|judgement of|judgement is|as|is|are)\s+(?:to be\s+)?['‘\"]?good\b|"
                        r":\s*good\b|\b(?:Good|GOOD)\s*$", re.I | re.M),
}


_HOW_MANY = re.compile(r"\bhow many\s+(?:of (?:the|its|their)\s+)?(.+?)(?=\s+(?:did|does|do|were|was|are|is|have|"
                       r"has|had|will|would|went|came|got|in|at|on|for|by|from)\b|[?,.]|$)", re.I)
_PROPER_NAME = re.compile(r"\b([A-Z][a-z]{2,})(?:['’]s)?\b")


def proper_names(question: str) -> tuple[str, ...]:
    """Capitalised words a question uses as names ("Norfolk's letter"), not its capitalised first word."""
    names = []
    for match in _PROPER_NAME.finditer(question):
        if match.start() == 0 or question[:match.start()].rstrip().endswith((".", "?", "!")):
            continue  # a capitalised first word says nothing
        names.append(match.group(1))
    return tuple(names)


#: A question asking for reasons ("why were care leavers judged inadequate?") names a grade it already knows.
_REASON = re.compile(r"\bwhy\b|\bwhat (?:led to|were the reasons|was the reason)\b|\breasons? (?:for|why)\b", re.I)


def expected_types(question: str) -> frozenset[str]:
    """The answer types a question asks for ("percent" and "money" imply "number"); a question asking why
    something was judged so wants the reasons, not the grade it names."""
    kinds = frozenset(kind for kind, pattern in _WANTS.items() if pattern.search(question))
    return kinds - {"grade"} if _REASON.search(question) else kinds


@dataclass(frozen=True)
class AskedFor:
    """What kind of answer a question asks for: its expected types ("date", "person", "grade", …) and what a
    "how many" question counts."""

    types: frozenset[str] = frozenset()
    counted: str = ""  # "taxi drivers" in "how many taxi drivers …?"

    @classmethod
    def of(cls, question: str) -> AskedFor:
        counted = _HOW_MANY.search(question)
        return cls(expected_types(question), counted.group(1) if counted else "")


def holds(text: str, kinds: frozenset[str]) -> bool:
    """True if the text holds an expression of every expected type (vacuously true for none)."""
    return all(_HOLDS[kind].search(text) for kind in kinds)
