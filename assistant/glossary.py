"""Acronym expansion both ways, from the glossary that ingest mined into the index."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


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
        for acronym, long_form in self.terms.items():
            uses_acronym = re.search(r"(?<![\w])" + re.escape(acronym) + r"(?![\w])", question, re.I if len(acronym) > 3 else 0)
            if uses_acronym and long_form not in lowered:
                added.append(long_form)
            elif long_form in lowered and not uses_acronym:
                added.append(acronym)
        return added
