"""The gazetteer of English local authorities with children's services: names, spellings, and a matcher.

The data is ``data/councils.toml`` (its header explains every field). The matcher works on word tokens, not on
one giant regex: a text is split into words once, and at each word the longest known name that starts there
wins (a dict lookup per length), so "Cheshire West and Chester" is one mention and never also "Cheshire", a
name may span a PDF's hard line break, and "Dorset’s" is Dorset. Generic council wording around a name
("London Borough of X", "X City Council") is added by the matcher, not listed per council.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).with_name("data") / "councils.toml"

KINDS = ("county", "metropolitan", "london", "unitary")
REGIONS = ("North East", "North West", "Yorkshire and the Humber", "East Midlands", "West Midlands",
           "East of England", "London", "South East", "South West")


@dataclass(frozen=True)
class Council:
    name: str  # how Ofsted names the area
    kind: str  # one of KINDS
    region: str  # one of REGIONS
    aliases: tuple[str, ...] = ()  # full names, safe as evidence in a document
    short_forms: tuple[str, ...] = ()  # what people type ("Southend"); questions only
    ons_code: str | None = None
    active_from: int | None = None  # created in this year (1 April), if since 2009
    active_to: int | None = None  # abolished in this year (last day 31 March)
    successors: tuple[str, ...] = ()  # names of the councils that took over, if abolished
    unitary_from: int | None = None  # a county that became a unitary of the same name in this year

    @property
    def active(self) -> bool:
        return self.active_to is None

    def active_in(self, year: int) -> bool:
        """Whether it ran children's services for at least part of ``year``."""
        return (self.active_from is None or year >= self.active_from) and (
            self.active_to is None or year <= self.active_to)


@dataclass(frozen=True)
class Match:
    council: Council
    start: int
    end: int
    text: str  # text[start:end], the possessive "’s" excluded
    short: bool = False  # matched through a short form (only with informal=True)
    formal: bool = False  # named as a council body: "X Council", "London Borough of X", an alias with "Council"


# -- tokens ------------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"[^\W\d_]+|&")
# What may sit between two words of one name: spaces or line breaks, one hyphen or dash ("Southend-on-Sea"),
# a comma ("Bournemouth, Christchurch and Poole"). A period only after "St" (below).
_GAP = re.compile(r"\s*(?:[-\u2010\u2011\u2012\u2013\u2014,]\s*)?")
_GAP_AFTER_ST = re.compile(r"\.?\s*")
_TOKEN_EQUIV = {"&": "and", "saint": "st"}

# Generic wording around a name that makes it a council body. Prefixes read backwards from the name.
_PREFIXES = (("london", "borough", "of"), ("royal", "borough", "of"), ("metropolitan", "borough", "of"),
             ("city", "and", "county", "of"), ("council", "of", "the"), ("borough", "of"), ("city", "of"),
             ("county", "of"))
_SUFFIX_QUALIFIERS = frozenset({"city", "county", "borough", "metropolitan", "district"})
_COUNCIL_WORDS = frozenset({"council", "borough", "corporation"})
# Words canonical() may strip from either end of a name ("Leeds City local authority", "Bristol, City of").
_STRIP_LEADING = frozenset({"the", "london", "royal", "metropolitan", "borough", "of", "city", "county", "council"})
_STRIP_TRAILING = frozenset({"council", "city", "county", "borough", "metropolitan", "district", "of", "local",
                             "authority", "children", "s", "services", "unitary", "corporation"})

# What may follow a name on a heading line of its own ("Leicester City", "Bristol, City of").
_LINE_TAIL = re.compile(r"(?:[\s,]*\b(?:city|county|borough|metropolitan|district|council|of)\b)*[\s,.]*", re.I)
_HEAD_LINES = 8  # the opening's first lines count like a title: where a report names its subject
_HEAD_CHARS = 700
_PROSE_CHARS = 150
_PROSE_LINE = re.compile(r"[a-z0-9]{2}[.!?](?:\s|$)")  # a sentence ends here ("St. Helens" and "Mr." do not)
# Enough: one mention in the title, or one in the opening's heading named as a council or as the subject, or
# a few in the opening. A single plain word at the top of a page is not enough.
_MIN_SCORE = 5


def _norm(token: str) -> str:
    low = token.casefold()
    return _TOKEN_EQUIV.get(low, low)


def _tokens(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), _norm(m.group())) for m in _TOKEN.finditer(text)]


def _key(name: str) -> tuple[str, ...]:
    return tuple(t for _, _, t in _tokens(name))


@dataclass(frozen=True)
class _Entry:
    council: Council | None  # None: a place that is not a council ("Sutton Coldfield"), matched to be dropped
    short: bool
    formal: bool
    capital: bool  # must start with a capital letter to count


class _Index:
    """Name forms by their token tuple, plus the longest form that starts with each first token."""

    def __init__(self) -> None:
        self.forms: dict[tuple[str, ...], _Entry] = {}
        self.longest: dict[str, int] = {}

    def add(self, key: tuple[str, ...], entry: _Entry) -> None:
        self.forms[key] = entry
        self.longest[key[0]] = max(self.longest.get(key[0], 0), len(key))


class Gazetteer:
    def __init__(self, data: dict[str, Any]) -> None:
        self._councils = tuple(_council(row) for row in data.get("council", []))
        self._by_name = {c.name: c for c in self._councils}
        self._by_code = {c.ons_code: c for c in self._councils if c.ons_code}
        matching = data.get("matching", {})
        document = data.get("document", {})
        self._common = {_key(w) for w in matching.get("common_words", [])}
        self._common_followers = {w.lower() for w in matching.get("common_word_followers", [])}
        self._followers = _phrases(document.get("not_council_followers", []))
        self._preceders = [re.compile(r"\b" + re.escape(p) + r"\s*$") for p in
                           document.get("not_council_preceders", [])]
        self._before = [re.compile(p, re.I) for p in document.get("subject_before", [])]
        self._after = [re.compile(p, re.I) for p in document.get("subject_after", [])]
        self._check()
        self._formal, self._informal = _Index(), _Index()
        owner: dict[tuple[str, ...], str] = {}
        for place in matching.get("not_councils", []):
            self._add(owner, place, "(not a council)", _Entry(None, False, False, True), informal_only=False)
        for c in self._councils:
            for form in (c.name, *c.aliases):
                formal = bool(set(_key(form)) & _COUNCIL_WORDS)
                self._add(owner, form, c.name, _Entry(c, False, formal, True), informal_only=False)
            for form in c.short_forms:
                self._add(owner, form, c.name, _Entry(c, True, False, True), informal_only=True)

    # -- building ------------------------------------------------------------------------------------------
    def _add(self, owner: dict[tuple[str, ...], str], form: str, who: str, entry: _Entry, *,
             informal_only: bool) -> None:
        key = _key(form)
        if not key:
            raise ValueError(f"empty name form {form!r} for {who}")
        if owner.setdefault(key, who) != who:
            raise ValueError(f"{form!r} is a name of both {owner[key]} and {who}")
        if not informal_only:
            self._formal.add(key, entry)
        # In a question, case is no evidence ("southend"), except for names that are also ordinary words.
        loose = _Entry(entry.council, entry.short, entry.formal, key in self._common)
        self._informal.add(key, loose)

    def _check(self) -> None:
        names = [c.name for c in self._councils]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"council names used twice: {dupes}")
        for c in self._councils:
            if c.kind not in KINDS:
                raise ValueError(f"{c.name}: kind {c.kind!r} is not one of {KINDS}")
            if c.region not in REGIONS:
                raise ValueError(f"{c.name}: region {c.region!r} is not one of {REGIONS}")
            missing = [s for s in c.successors if s not in self._by_name]
            if missing:
                raise ValueError(f"{c.name}: successors {missing} are not in the gazetteer")
            if c.successors and c.active_to is None:
                raise ValueError(f"{c.name} has successors but no active_to")

    # -- lookups -------------------------------------------------------------------------------------------
    def councils(self, *, active_only: bool = False) -> list[Council]:
        """All councils (or only the current ones), sorted by name."""
        return sorted((c for c in self._councils if c.active or not active_only), key=lambda c: c.name)

    def by_region(self, *, active_only: bool = True) -> dict[str, list[Council]]:
        """Councils grouped by region, regions in the usual north-to-south order."""
        out: dict[str, list[Council]] = {r: [] for r in REGIONS}
        for c in self.councils(active_only=active_only):
            out[c.region].append(c)
        return out

    def get(self, name: str) -> Council | None:
        """The council whose canonical name is exactly ``name``."""
        return self._by_name.get(name)

    def predecessors(self, council: Council) -> list[Council]:
        return [c for c in self._councils if council.name in c.successors]

    def canonical(self, name: str) -> Council | None:
        """The council a name means, for any spelling of it (alias, short form, "X Borough Council", "the X",
        "X’s", case, "&", hyphens); None for an unknown name or a place that is not a council."""
        if not name:
            return None
        code = self._by_code.get(name.strip().upper())
        if code:
            return code
        text = re.sub(r"[\u2019']s?\s*$", "", name.strip())  # possessive
        key = _key(text)
        forms = self._informal.forms
        for a in range(len(key)):
            if a and key[a - 1] not in _STRIP_LEADING:
                break
            for b in range(len(key), a, -1):
                if b < len(key) and key[b] not in _STRIP_TRAILING:
                    break
                entry = forms.get(key[a:b])
                if entry:
                    return entry.council
        return None

    # -- matching ------------------------------------------------------------------------------------------
    def find(self, text: str, *, informal: bool = False) -> list[Match]:
        """Every mention of a council in ``text``, leftmost-longest and word-bounded. Documents need the names'
        capital letters; ``informal=True`` (for questions) also accepts short forms and ignores case."""
        index = self._informal if informal else self._formal
        toks = _tokens(text)
        joined = [_joinable(text, toks[k], toks[k + 1]) for k in range(len(toks) - 1)]
        matches: list[Match] = []
        last_end = 0
        i = 0
        while i < len(toks):
            most = index.longest.get(toks[i][2], 0)
            hit = None
            for n in range(min(most, len(toks) - i), 0, -1):
                if not all(joined[i:i + n - 1]):
                    continue
                entry = index.forms.get(tuple(t[2] for t in toks[i:i + n]))
                if entry and (not entry.capital or text[toks[i][0]].isupper()):
                    hit = (n, entry)
                    break
            if hit is None:
                i += 1
                continue
            n, entry = hit
            j = i + n
            if entry.council is None:
                i = j
                continue
            start, end, formal = toks[i][0], toks[j - 1][1], entry.formal
            p = _prefix_len(toks, joined, i)
            if p and toks[i - p][0] >= last_end:
                start, formal = toks[i - p][0], True
            s = _suffix_len(toks, joined, j)
            if s:
                end, formal, j = toks[j + s - 1][1], True, j + s
            matches.append(Match(entry.council, start, end, text[start:end], entry.short, formal))
            last_end = end
            i = j
        return matches

    def is_common_word(self, name: str) -> bool:
        """Whether a matched name is also an ordinary word ("Reading", "Bath"): at a sentence's start its
        capital letter proves nothing."""
        return _key(name) in self._common

    def reads_as_word(self, text: str, match: Match) -> bool:
        """Whether a name that is also an ordinary word, opening ``text``, is that word: followed by what the word
        takes ("Reading the report"), not by what a question about the council says ("Reading adoption grade")."""
        if match.start != 0 or not self.is_common_word(match.text):
            return False
        rest = text[match.end:]
        if rest[:2] in ("'s", "’s"):
            return False
        following = re.match(r"\s*([A-Za-z]+)", rest)
        return following is None or following.group(1).lower() in self._common_followers

    def councils_in(self, text: str, *, informal: bool = False) -> list[Council]:
        """The distinct councils ``text`` mentions, in order of first mention."""
        return list(dict.fromkeys(m.council for m in self.find(text, informal=informal)))

    def document_council(self, title: str, opening: str) -> Council | None:
        """The council a document is about, from its title and first page or so; None when unsure.

        Every mention votes. A mention in the title or the opening's first lines counts more, and much more
        when the wording makes it the subject ("Inspection of X", "X local authority children's services", a
        line of its own); a mention that names another body ("Essex Police") counts nothing. The winner must
        have a clear lead: a wrong council is worse than none."""
        votes = self._votes(title, opening)
        ranked = votes.most_common(2)
        if not ranked:
            return None
        best, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0
        if score < _MIN_SCORE or score < 2 * runner_up:
            return None
        return self._by_name[best]

    def _votes(self, title: str, opening: str) -> Counter[str]:
        votes: Counter[str] = Counter()
        for text, is_title in ((title or "", True), (opening or "", False)):
            head = len(text) if is_title else _head_end(text)
            # A short form counts only where the wording makes it the subject ("Inspection of Hull local
            # authority children's services"): there it cannot be a passing word.
            shorts = [m for m in self.find(text, informal=True) if m.short and text[m.start].isupper()]
            for m in [*self.find(text), *shorts]:
                if self.names_other_body(text, m):
                    continue
                in_head = m.start < head
                subject = self._is_subject(text, m, in_head)
                if m.short and not subject:
                    continue
                weight = 1 + m.formal + (4 if is_title else 3 if in_head else 0)
                if subject:
                    weight += 6 if in_head else 3
                votes[m.council.name] += weight
        return votes

    def names_other_body(self, text: str, m: Match) -> bool:
        """Whether a mention names another organisation ("Essex Police", "NHS Southend CCG"), not the council."""
        after = text[m.end:m.end + 60]
        if self._followers.match(after):
            return True
        before = text[max(0, m.start - 40):m.start]
        return any(p.search(before) for p in self._preceders)

    def _is_subject(self, text: str, m: Match, in_head: bool) -> bool:
        before = re.sub(r"\bthe\s*$", "", text[max(0, m.start - 320):m.start], flags=re.I)
        after = text[m.end:m.end + 120]
        if any(p.search(before) for p in self._before) or any(p.match(after) for p in self._after):
            return True
        if not in_head:
            return False
        line_start = text.rfind("\n", 0, m.start) + 1
        line_end = text.find("\n", m.end)
        rest = text[m.end:line_end if line_end >= 0 else len(text)]
        return not re.sub(r"[\d\s]|\bthe\b", "", text[line_start:m.start], flags=re.I) \
            and _LINE_TAIL.fullmatch(rest) is not None


def _council(row: dict[str, Any]) -> Council:
    return Council(
        name=row["name"], kind=row["kind"], region=row["region"],
        aliases=tuple(row.get("aliases", ())), short_forms=tuple(row.get("short_forms", ())),
        ons_code=row.get("ons_code"), active_from=row.get("active_from"), active_to=row.get("active_to"),
        successors=tuple(row.get("successors", ())), unitary_from=row.get("unitary_from"),
    )


def _phrases(words: list[str]) -> re.Pattern[str]:
    """A pattern for text that starts (after spaces) with any of ``words``, word-bounded, any case ("Essex
    police")."""
    if not words:
        return re.compile(r"(?!)")
    alternatives = sorted((r"\s+".join(map(re.escape, w.split())) for w in words), key=len, reverse=True)
    return re.compile(r"(?:[\u2019']s)?\s+(?:" + "|".join(alternatives) + r")\b", re.I)


def _joinable(text: str, left: tuple[int, int, str], right: tuple[int, int, str]) -> bool:
    gap = text[left[1]:right[0]]
    if left[2] == "st":
        return _GAP_AFTER_ST.fullmatch(gap) is not None
    return _GAP.fullmatch(gap) is not None


def _prefix_len(toks: list[tuple[int, int, str]], joined: list[bool], i: int) -> int:
    """How many tokens before ``i`` are generic council wording ("London Borough of")."""
    for prefix in _PREFIXES:
        n = len(prefix)
        if i >= n and all(joined[i - n:i]) and tuple(t[2] for t in toks[i - n:i]) == prefix:
            return n
    return 0


def _suffix_len(toks: list[tuple[int, int, str]], joined: list[bool], j: int) -> int:
    """How many tokens from ``j`` are "[City|County|Borough|Metropolitan|District]* Council"."""
    k = j
    while k < len(toks) and k - j < 3 and toks[k][2] in _SUFFIX_QUALIFIERS and joined[k - 1]:
        k += 1
    if k < len(toks) and toks[k][2] == "council" and joined[k - 1]:
        return k - j + 1
    return 0


def _head_end(text: str) -> int:
    """Where the opening's heading zone ends: its first non-empty lines, up to the first line of prose (one
    that ends a sentence, or an unwrapped paragraph)."""
    for seen, m in enumerate(re.finditer(r"[^\n]*\S[^\n]*", text), start=1):
        if m.start() >= _HEAD_CHARS or _PROSE_LINE.search(m.group()) or len(m.group().strip()) > _PROSE_CHARS:
            return min(m.start(), _HEAD_CHARS)
        if seen >= _HEAD_LINES:
            return min(m.end(), _HEAD_CHARS)
    return min(len(text), _HEAD_CHARS)


@lru_cache(maxsize=1)
def load(path: Path = DATA_FILE) -> Gazetteer:
    """The gazetteer, parsed once per process."""
    with open(path, "rb") as f:
        return Gazetteer(tomllib.load(f))
