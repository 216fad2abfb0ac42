"""Acronym expansion both ways, from the glossary that ingest mined into the index."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from domain.text import LONG_FORM_MINOR_WORDS


@dataclass
class Glossary:
    terms: dict[str, str] = field(default_factory=dict)  # ACRONYM -> long form (lower-case)
    # per term: acronym, lower-cased acronym, long form, acronym pattern, long form's content words (made once:
    # a glossary of 240 reports has hundreds of terms, matched against every question several times)
    _compiled: list[tuple[str, str, str, re.Pattern[str], list[str]]] = field(
        default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._compiled = [
            (a, a.lower(), lf, re.compile(r"(?<![\w])" + re.escape(a) + r"(?![\w])", re.I if len(a) > 3 else 0),
             [w for w in re.findall(r"[\w+&'-]+", lf) if w not in LONG_FORM_MINOR_WORDS])
            for a, lf in self.terms.items()]

    @classmethod
    def from_store(cls, store: Any) -> Glossary:
        votes: dict[str, Counter[str]] = {}
        for doc in store.list_documents():
            for acronym, long_form in doc.glossary.items():
                votes.setdefault(acronym, Counter())[long_form.lower()] += 1
        return cls({a: c.most_common(1)[0][0] for a, c in votes.items()})

    def expansions(self, question: str) -> list[str]:
        """Terms to add to a query: long forms of acronyms it uses, acronyms of long forms it spells out."""
        added: list[str] = []
        lowered = question.lower()
        words = re.findall(r"[\w+&'-]+", lowered)
        present = set(words)
        for acronym, lowered_acronym, long_form, pattern, content in self._compiled:
            uses_acronym = lowered_acronym in lowered and pattern.search(question)  # the substring test is cheap
            if uses_acronym and long_form not in lowered:
                added.append(long_form)
            elif not uses_acronym and (long_form in lowered or (bool(content) and content[-1] in present
                                                                and _abbreviates(content, words))):
                added.append(acronym)
        return added


def _abbreviates(content: list[str], words: list[str]) -> bool:
    """The question says a long form in short: its head noun and at least one more of its content words, in
    order, at most two words apart ("the safeguarding board" for the local safeguarding children board)."""
    if len(content) < 3:
        return False  # "hmi probation", "public law outline": a short long form is said in full or not at all
    head = content[-1]
    for end, word in enumerate(words):
        if word != head:
            continue
        matched, at = 1, end
        for part in reversed(content[:-1]):
            start = max(0, at - 3)
            if part in words[start:at]:
                matched += 1
                at = start + words[start:at].index(part)
        if matched >= 2:
            return True
    return False
