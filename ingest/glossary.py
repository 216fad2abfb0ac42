"""Mine acronyms and their long forms from document text.

"multi-agency child sexual exploitation (MACE)" -> MACE; "HOLMES (Home Office large major enquiry system)";
and, for acronyms a document uses without defining (CSE), a frequent phrase whose initials spell it.
"""

from __future__ import annotations

import re
from collections import Counter

from domain.text import ACRONYM_MINOR_WORDS

_ACRONYM = r"[A-Z][A-Za-z]{0,2}[A-Z][A-Z+&]*s?"


def _initials(word: str) -> str:
    if re.fullmatch(r"[A-Z]{2,}", word):
        return word  # an acronym inside a long form contributes all its letters (HMI Probation -> HMIP)
    return word[:1].upper()


def _match_long_form(acronym: str, words: list[str]) -> list[str] | None:
    """The shortest tail of ``words`` whose initials spell ``acronym`` (stop words may be skipped)."""
    target = re.sub(r"[^A-Z]", "", acronym.upper().rstrip("S") if acronym.endswith("s") else acronym.upper())
    if len(target) < 2:
        return None
    for start in range(len(words) - 1, max(-1, len(words) - len(target) - 4), -1):
        # The definition may start inside a hyphenated word: "pre-multi-agency child … (MACE)".
        pieces = words[start].split("-")
        for cut in range(len(pieces)):
            window = ["-".join(pieces[cut:])] + words[start + 1:]
            if not window[0] or _initials(window[0])[0] != target[0]:
                continue
            parts = [p for w in window for p in re.split(r"-", w) if p]
            if _spells(target, parts):
                return window
    return None


def _spells(target: str, parts: list[str], skips: int = 2) -> bool:
    """Do the parts' initials spell target, in order? Stop words may be skipped freely, and up to ``skips``
    other parts too (MACE = multi-agency child [sexual] exploitation; EWMHS = emotional well-[being] …)."""
    def rec(ti: int, pi: int, budget: int) -> bool:
        if pi == len(parts):
            return ti == len(target)
        part = parts[pi]
        ini = _initials(part)
        if target.startswith(ini, ti) and rec(ti + len(ini), pi + 1, budget):
            return True
        if ti < len(target) and part[:1].upper() == target[ti] and len(ini) > 1 and rec(ti + 1, pi + 1, budget):
            return True
        if part.lower() in ACRONYM_MINOR_WORDS and rec(ti, pi + 1, budget):
            return True
        # never skip the first or last part: the long form must start and end on the acronym's letters
        return 0 < pi < len(parts) - 1 and budget > 0 and rec(ti, pi + 1, budget - 1)
    return rec(0, 0, skips)


def mine_glossary(text: str) -> dict[str, str]:
    text = re.sub(r"\s+", " ", text)
    found: dict[str, str] = {}
    # long form (ACRONYM)
    for m in re.finditer(r"((?:[\w’'&-]+[ ,]+){1,10})\((" + _ACRONYM + r")\)", text):
        acronym = m.group(2)
        words = [w for w in re.split(r"[ ,]+", m.group(1).strip()) if w]
        window = _match_long_form(acronym, words)
        if window:
            long_form = " ".join(window).strip(" ,")
            if long_form.upper() != acronym.upper():
                found.setdefault(_canonical(acronym), long_form)
    # ACRONYM (long form)
    for m in re.finditer(r"\b(" + _ACRONYM + r") \(([^()]{5,80})\)", text):
        acronym, long_form = m.group(1), m.group(2)
        words = long_form.split()
        if _match_long_form(acronym, words) == words:
            found.setdefault(_canonical(acronym), long_form.strip())
    # Undefined acronyms: a phrase used at least twice whose initials spell it.
    used = Counter(re.findall(r"\b([A-Z]{2,5})\b", text))
    lowered = text.lower()
    for acronym, _ in used.items():
        if acronym in found or len(acronym) < 3:  # two letters match too many phrases (GP ≠ "good practice")
            continue
        n = len(acronym)
        grams: Counter[str] = Counter()
        words = re.findall(r"[a-z][a-z-]*", lowered)
        for i in range(len(words) - n + 1):
            gram = words[i:i + n]
            if "".join(w[0] for w in gram).upper() == acronym and not any(w in ACRONYM_MINOR_WORDS for w in gram):
                grams[" ".join(gram)] += 1
        if grams:
            phrase, count = grams.most_common(1)[0]
            if count >= 2:
                found[acronym] = phrase
    return dict(sorted(found.items()))


def _canonical(acronym: str) -> str:
    return acronym[:-1] if acronym.endswith("s") and acronym[:-1].isupper() else acronym
