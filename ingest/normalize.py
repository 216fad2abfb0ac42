"""Text clean-up these documents need before structure parsing.

Works line by line so that page boundaries (PDF) and line structure survive for the parser.
"""

from __future__ import annotations

import re

BULLET_GLYPHS = "\uf0b7\u2022\u25aa\u25cf\u25e6\u2023\u2043\uf0a7\uf076\uf0d8\u25fc\u25a0"  # ◼ ■: Ofsted's
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st",
                            "\u00ad": "", "\u200b": "", "\ufeff": "", "\u00a0": " ", "\t": " "})
_HTML_TAG = re.compile(r"</?(?:sup|sub|p|u|b|i|em|strong|span|br|div|a)(?:\s[^>]*)?/?>", re.I)
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")
# A footnote marker glued to a word or closing punctuation: "Southend-on-Sea.1 This", "agencies2."
_FOOTNOTE_MARK = re.compile(r"(?<=[a-z][.,;:?])\d{1,2}(?=\s|$)|(?<=[a-z]{3})\d(?=[.,;:]?(?:\s|$))")
BULLET_MARK = "\u2022"  # canonical bullet the parser looks for
_BULLETS = re.compile("[" + BULLET_GLYPHS + "\ue000-\uf8ff]\\s*")


def clean_line(line: str) -> str:
    """Per-line clean-up; keeps a leading bullet as the canonical mark so the parser sees item starts."""
    line = line.translate(_LIGATURES)
    line = _HTML_TAG.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or "", line)
    line = line.replace("**", "")
    line = _FOOTNOTE_MARK.sub("", line)
    # Word/PDF exports draw bullets with symbol-font glyphs in the private use area (U+F0B7, U+F06E, …).
    line = _BULLETS.sub("\n" + BULLET_MARK + " ", line)
    return line.rstrip()


def join_hyphenated(lines: list[str], vocabulary: set[str]) -> list[str]:
    """Join words broken across line ends ("informa-" + "tion"), keeping real hyphens ("co-" + "location").

    A hyphen is dropped only when the joined word occurs elsewhere in the document without it.
    """
    out = list(lines)
    for i in range(len(out) - 1):
        m = re.search(r"(\w+)-$", out[i])
        if not m:
            continue
        j = i + 1
        while j < len(out) and not out[j].strip():  # the text layer often puts a blank line in between
            j += 1
        if j >= len(out):
            continue
        n = re.match(r"\s*([A-Za-z]\w*)(.*)$", out[j])
        if not n:
            continue
        head, tail_word, rest = m.group(1), n.group(1), n.group(2)
        soft = tail_word[0].islower() and (head + tail_word).lower() in vocabulary
        joined = head + tail_word if soft else head + "-" + tail_word
        out[i] = out[i][: m.start()] + joined + rest
        out[j] = ""
    return out


def vocabulary(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]+", text)}


def collapse_spaces(text: str) -> str:
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()
