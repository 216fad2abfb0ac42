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
        for acronym, long_form in self.terms.items():
            uses_acronym = re.search(r"(?<![\w])" + re.escape(acronym) + r"(?![\w])", question, re.I if len(acronym) > 3 else 0)
            if uses_acronym and long_form not in lowered:
                added.append(long_form)
            elif not uses_acronym and (long_form in lowered or _abbreviates(long_form, words)):
                added.append(acronym)
        return added




def _abbreviates(long_form: str, words: list[str]) -> bool:
    """The question says a long form in short: its head noun and at least one more of its words, in order, at
    most two words apart ("the safeguarding board" for the local safeguarding children board)."""
    content = [w for w in re.findall(r"[\w+&'-]+", long_form) if w not in LONG_FORM_MINOR_WORDS]
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
