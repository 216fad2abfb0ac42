"""When does a retrieved passage "contain" a gold quote? Defined once, used by every metric.

A passage matches a gold quote when, after case/quote/whitespace normalisation, either the whole quote is a
substring of the passage (from any document: the corpus repeats passages verbatim across documents, and
de-duplication keeps one copy), or — because a quote may straddle a chunk boundary — the passage comes from
the quote's document (ignoring extension, so a PDF rendering counts) and holds at least half of the quote's
word 4-grams.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from domain.text import normalize_for_match

MIN_SHARED_NGRAMS = 0.5


def _words(text: str) -> list[str]:
    return re.findall(r"[\w%]+", normalize_for_match(text))


def _ngrams(words: list[str], n: int = 4) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}


def same_document(source: str, gold_doc: str) -> bool:
    return PurePath(source).stem == PurePath(gold_doc).stem


def passage_matches(passage_text: str, source: str, gold_doc: str, quote: str) -> bool:
    p, q = normalize_for_match(passage_text), normalize_for_match(quote)
    if q in p:
        return True
    if not same_document(source, gold_doc):
        return False
    grams = _ngrams(_words(quote))
    return len(grams & _ngrams(_words(passage_text))) / max(1, len(grams)) >= MIN_SHARED_NGRAMS


def phrase_present(phrase: str, text: str) -> bool:
    return normalize_for_match(phrase) in normalize_for_match(text)
