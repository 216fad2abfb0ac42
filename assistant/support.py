"""Claim-level support: does a cited passage back an answer sentence? Used on every backend's output."""

from __future__ import annotations

import re

from domain.text import SUPPORT_STOPWORDS, normalize_for_match, split_sentences

#: A sentence is "supported" when at least this share of its content words appear in the cited passage(s).
SUPPORT_THRESHOLD = 0.6


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9%+]+", normalize_for_match(text)) if w not in SUPPORT_STOPWORDS and len(w) > 1]


def support_score(claim: str, passages: list[str]) -> float:
    """Share of the claim's content words (numbers must match exactly) found in the cited passages."""
    words = content_words(re.sub(r"\[\d+\]", "", claim))
    if not words:
        return 0.0
    vocab = set()
    for text in passages:
        vocab |= set(content_words(text))
    numbers = [w for w in words if any(ch.isdigit() for ch in w)]
    if any(n not in vocab for n in numbers):  # an unsupported figure is never "mostly right"
        return 0.0
    stems = {w[:6] for w in vocab}
    return sum(1 for w in words if w in vocab or w[:6] in stems) / len(words)


def best_supporting_sentence(claim: str, passage: str) -> str:
    """The passage sentence that shares most content with the claim (verbatim from the passage)."""
    sentences = split_sentences(passage) or [passage]
    return max(sentences, key=lambda s: support_score(claim, [s]))
