"""Signals that the indexed documents cannot answer a question, beyond a weak evidence score.

* Answer type: a question asking for a figure or a grade needs a sentence that holds one.
* Unknown subject: a proper name (not an acronym) that no indexed chunk contains, or a year that is neither a
  document's year nor written in the retrieved passages ("Norfolk's letter", "the 2021 inspection"), means
  the question is about something that is not in the index.
"""

from __future__ import annotations

import re
from typing import Any

_WANTS_FIGURE = re.compile(r"\bhow (many|much)\b|\bwhat (percentage|proportion|share)\b|\bcost\b|\bhow long\b", re.I)
_FIGURE = re.compile(r"\d|£|\bper cent\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                     r"twenty|thirty|hundred|thousand|half)\b", re.I)
_WANTS_GRADE = re.compile(r"\b(grade|graded|rating|rated|judgement)\b", re.I)
_GRADE = re.compile(r"\b(outstanding|good|requires? improvement|inadequate)\b", re.I)
_NAME = re.compile(r"\b([A-Z][a-z]{2,})(?:['’]s)?\b")
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")


def answer_type_mismatch(question: str, quotes: list[str]) -> str:
    """Why the chosen sentences cannot answer this kind of question, or "" if they can."""
    text = " ".join(quotes)
    if _WANTS_FIGURE.search(question) and not _FIGURE.search(text):
        return "the question asks for a figure, and no retrieved passage gives one"
    if _WANTS_GRADE.search(question) and not _GRADE.search(text):
        return "the question asks for an inspection grade, and no retrieved passage states one"
    return ""


def unknown_subject(question: str, lexical: Any, document_years: set[int], passages_text: str) -> str:
    """A name or year in the question that the index never mentions, or "" if there is none."""
    for match in _NAME.finditer(question):
        if match.start() == 0 or question[:match.start()].rstrip().endswith((".", "?", "!")):
            continue  # a capitalised first word says nothing
        name = match.group(1)
        terms = lexical.terms(name)
        if terms and all(t not in lexical.vocab for t in terms):
            return f"the documents never mention {name}"
    for year in {int(y) for y in _YEAR.findall(question)}:
        if year not in document_years and str(year) not in passages_text:
            return f"no indexed document is from {year} or mentions it in the passages found"
    return ""
