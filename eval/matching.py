"""When does a retrieved passage "contain" a gold quote? Defined once, used by every metric.

A passage matches a gold quote when, after case/quote/whitespace normalisation, either the whole quote is a
substring of the passage, or — because a quote may straddle a chunk boundary — the passage comes from the
quote's document and holds at least half of the quote's word 4-grams.

Which document: a gold ``doc`` that is a bare file name (the sample set) matches by file stem, ignoring the
extension (a PDF rendering counts), and its whole-quote match may come from any document (the sample corpus
repeats passages verbatim across documents, and de-duplication keeps one copy). A gold ``doc`` that is a
path relative to the corpus (``80432_bolton/children's services inspection - 27 october 2023.pdf``: real
report file names repeat across councils) matches only the passage's own path, and only passages of that
document count: "Lead inspector: Lisa Walsh" is in several councils' reports, and citing another council's
report is not the right answer.
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


def path_qualified(gold_doc: str) -> bool:
    return "/" in gold_doc


def same_document(source: str, gold_doc: str, path: str = "") -> bool:
    """Is a passage from ``source`` (its file name) at ``path`` (its absolute path) the gold document?"""
    if path_qualified(gold_doc):
        return bool(path) and PurePath(path).as_posix().endswith("/" + gold_doc)
    return PurePath(source).stem == PurePath(gold_doc).stem


def passage_matches(passage_text: str, source: str, gold_doc: str, quote: str, path: str = "") -> bool:
    if path_qualified(gold_doc) and not same_document(source, gold_doc, path):
        return False
    p, q = normalize_for_match(passage_text), normalize_for_match(quote)
    if q in p:
        return True
    if not same_document(source, gold_doc, path):
        return False
    grams = _ngrams(_words(quote))
    return len(grams & _ngrams(_words(passage_text))) / max(1, len(grams)) >= MIN_SHARED_NGRAMS


def phrase_present(phrase: str, text: str) -> bool:
    return normalize_for_match(phrase) in normalize_for_match(text)
