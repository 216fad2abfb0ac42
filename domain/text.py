"""Text utilities every layer shares: sentences, match-normalisation and the word lists.

Ingest and the assistant must agree on what a sentence is (ingest stores sentence embeddings, the assistant
quotes them), and every stage that drops "small" words should drop the same ones for the same purpose: the word
lists live here, each named for what it is for.
"""

from __future__ import annotations

import re
import unicodedata

_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "cf", "vs", "no", "nos", "dr", "mr", "mrs", "ms", "cllr", "st", "para", "paras",
    "fig", "approx", "inc", "ltd", "co", "dept", "govt", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "op", "ref", "p", "pp",
}
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace and a
# plausible sentence start. Decimal points and paragraph labels ("3.9") never match: no space follows.
_BOUNDARY = re.compile(r"(?<=[.!?])([\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9£])")


def split_sentences(text: str) -> list[str]:
    """Split normalised text into sentences; each returned sentence is a verbatim substring of ``text``."""
    text = text.strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.start() + len(m.group(1))
        candidate = text[start:end]
        last_word = re.findall(r"([A-Za-z][A-Za-z.]*)\.[\"'”’)\]]*$", candidate)
        if last_word and last_word[-1].lower().rstrip(".") in _ABBREVIATIONS:
            continue
        # A lone initial ("J. Smith") or a list label ("a.") is not a sentence end.
        if re.search(r"(?:^|\s)[A-Za-z]\.$", candidate):
            continue
        if candidate.strip():
            out.append(candidate.strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def normalize_for_match(text: str) -> str:
    """Case-, quote- and whitespace-insensitive form used to compare quotes with passages."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return re.sub(r"\s+", " ", text).strip()


# -- word lists ------------------------------------------------------------------------------------------------
#: scikit-learn's ``ENGLISH_STOP_WORDS`` (318 words), copied: importing sklearn for this one constant cost ~2 s
#: of every process start (cold start of `ask`, the UI).
_SKLEARN_ENGLISH_STOP_WORDS = """
    a about above across after afterwards again against all almost alone along already also although always am
    among amongst amoungst amount an and another any anyhow anyone anything anyway anywhere are around as at
    back be became because become becomes becoming been before beforehand behind being below beside besides
    between beyond bill both bottom but by call can cannot cant co con could couldnt cry de describe detail do
    done down due during each eg eight either eleven else elsewhere empty enough etc even ever every everyone
    everything everywhere except few fifteen fifty fill find fire first five for former formerly forty found
    four from front full further get give go had has hasnt have he hence her here hereafter hereby herein
    hereupon hers herself him himself his how however hundred i ie if in inc indeed interest into is it its
    itself keep last latter latterly least less ltd made many may me meanwhile might mill mine more moreover
    most mostly move much must my myself name namely neither never nevertheless next nine no nobody none noone
    nor not nothing now nowhere of off often on once one only onto or other others otherwise our ours ourselves
    out over own part per perhaps please put rather re same see seem seemed seeming seems serious several she
    should show side since sincere six sixty so some somehow someone something sometime sometimes somewhere
    still such system take ten than that the their them themselves then thence there thereafter thereby
    therefore therein thereupon these they thick thin third this those though three through throughout thru thus
    to together too top toward towards twelve twenty two un under until up upon us very via was we well were
    what whatever when whence whenever where whereafter whereas whereby wherein whereupon wherever whether which
    while whither who whoever whole whom whose why will with within without would yet you your yours yourself
    yourselves
"""
ENGLISH_STOP_WORDS = frozenset(_SKLEARN_ENGLISH_STOP_WORDS.split())

#: Words of scikit-learn's list that carry meaning in inspection questions. Stop words are dropped before
#: stemming, so a stop-listed "describe", "detail" or "keep" in a question could never meet "described",
#: "details" or "keeps" in a passage; "front" (door), "serious" (and organised crime), "next" (steps) and
#: numbers are findings' words.
_MEANINGFUL = frozenset(["not", "no", "nor", "never", "none", "nothing", "well", "find", "found", "without", "less", "least", "more", "most", "against", "further", "first", "last", "full", "system", "bill", "fire", "interest", "describe", "detail", "front", "serious", "next", "part", "amount", "move", "keep", "take", "give", "see", "made", "done", "name", "show", "call", "fill", "empty", "side", "top", "bottom", "back", "due", "together", "former", "whole", "alone", "same", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "fifteen", "twenty", "forty", "fifty", "sixty", "hundred", "third"])
#: The verbs of asking: every question has them, no passage is about them.
_ASKING = frozenset(["did", "does", "doing", "say", "says", "said", "tell", "told", "according", "inspectors'"])

#: What keyword search (BM25) and term coverage ignore: function words only.
SEARCH_STOPWORDS: tuple[str, ...] = tuple(sorted((ENGLISH_STOP_WORDS - _MEANINGFUL) | _ASKING))

#: What the claim-support check ignores when it counts a sentence's content words.
SUPPORT_STOPWORDS = frozenset(["a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "by", "with", "at", "from", "as", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "this", "that", "these", "those", "it", "its", "their", "there", "which", "who", "whom", "whose", "what", "when", "where", "how", "not", "no", "but", "also", "than", "then", "so", "such", "into", "over", "under", "about", "after", "before", "within", "without", "between", "across", "through", "during", "per", "via", "we", "our", "they", "them", "he", "she", "his", "her"])

#: The small words of a long form that an acronym's letters skip ("Local Safeguarding Children Board (LSCB)",
#: "Children and Family Court Advisory and Support Service (Cafcass)").
ACRONYM_MINOR_WORDS = frozenset({"and", "of", "the", "for", "&", "in", "to", "on", "at"})
#: The same, for a question that says a long form in short ("the safeguarding board"): articles too.
LONG_FORM_MINOR_WORDS = ACRONYM_MINOR_WORDS | {"a", "an"}

#: A line ending in one of these continues on the next (a title or heading hard-wrapped by the PDF layout).
FUNCTION_WORDS = ("of", "in", "and", "the", "to", "for", "with", "on", "at", "by", "from", "or", "a", "an", "against")
_ENDS_WITH_FUNCTION_WORD = re.compile(r"\b(?:" + "|".join(FUNCTION_WORDS) + r")$", re.I)


def ends_with_function_word(text: str) -> bool:
    """True for "The experiences and progress of", a line that cannot end a title or heading."""
    return _ENDS_WITH_FUNCTION_WORD.search(text) is not None
