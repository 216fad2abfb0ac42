#!/usr/bin/env python3
"""Self-check for the gold QA evaluation set (eval/qa/sample.jsonl).

Stdlib only. Usage:
    python3 eval/qa/check_sample.py [path/to/sample.jsonl] [--docs DIR]

Checks:
  * every line is a JSON object with exactly the expected keys and value types
  * ids are unique and look like "q001"
  * type is one of the allowed types
  * unanswerable items have empty must_include and gold; others have 1-4
    must_include phrases and at least one gold quote (multi: 2+ quotes)
  * each gold doc exists in the sample corpus
  * each gold quote is a verbatim substring of its document after whitespace
    normalisation (all whitespace runs -> one space) and curly-quote
    normalisation (’‘“” -> ' and ") on both sides
  * quotes are 8-40 words and contain no bullet glyphs / private-use chars or
    markdown (**, <sup>)
  * each must_include phrase appears (case-insensitive, normalised) in at
    least one of that question's gold documents, and in the reference answer
  * per-type counts meet the minimums
Exits non-zero on any error.
"""
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_JSONL = os.path.join(HERE, "sample.jsonl")
DEFAULT_DOCS = os.path.normpath(os.path.join(HERE, "..", "..", "data", "sample"))

KEYS = {"id", "question", "type", "answer", "must_include", "gold"}
TYPES = ["fact", "list", "multi", "numeric", "compare", "unanswerable"]
MIN_TOTAL = 64
MIN_PER_TYPE = {"fact": 12, "list": 8, "multi": 8, "numeric": 6,
                "compare": 5, "unanswerable": 12}
QUOTE_MAP = str.maketrans({"\u2019": "'", "\u2018": "'",
                           "\u201c": '"', "\u201d": '"'})
BAD_QUOTE_PATTERNS = [
    (re.compile(r"[\ue000-\uf8ff]"), "private-use/bullet glyph"),
    (re.compile(r"\*\*"), "markdown bold"),
    (re.compile(r"</?sup>", re.I), "<sup> markup"),
    # a word split by a line-break hyphen shows up as "Southend- on-Sea"
    # after whitespace normalisation; quotes must avoid such words
    (re.compile(r"\w- \w"), "line-break hyphenation artefact"),
]


def norm(text):
    """Whitespace- and curly-quote-normalise text."""
    return re.sub(r"\s+", " ", text.translate(QUOTE_MAP)).strip()


def main(argv):
    args = list(argv[1:])
    docs_dir = DEFAULT_DOCS
    if "--docs" in args:
        i = args.index("--docs")
        docs_dir = args[i + 1]
        del args[i:i + 2]
    path = args[0] if args else DEFAULT_JSONL

    docs = {}
    for name in sorted(os.listdir(docs_dir)):
        if name.endswith(".txt"):
            with open(os.path.join(docs_dir, name), encoding="utf-8") as fh:
                docs[name] = norm(fh.read())
    docs_lower = {k: v.lower() for k, v in docs.items()}

    errors = []
    items = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                errors.append(f"line {lineno}: blank line")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append(f"line {lineno}: invalid JSON: {exc}")
                continue
            if not isinstance(obj, dict):
                errors.append(f"line {lineno}: not an object")
                continue
            items.append((lineno, obj))

    ids = Counter()
    types = Counter()
    docs_cited = Counter()
    for lineno, obj in items:
        qid = obj.get("id", f"<line {lineno}>")
        where = f"{qid} (line {lineno})"

        def err(msg, where=where):
            errors.append(f"{where}: {msg}")

        keys = set(obj)
        if keys != KEYS:
            err(f"keys mismatch: missing={sorted(KEYS - keys)} extra={sorted(keys - KEYS)}")
            continue
        for k in ("id", "question", "type", "answer"):
            if not isinstance(obj[k], str) or not obj[k].strip():
                err(f"{k} must be a non-empty string")
        if not isinstance(obj["must_include"], list) or not all(
                isinstance(p, str) and p.strip() for p in obj["must_include"]):
            err("must_include must be a list of non-empty strings")
            continue
        if not isinstance(obj["gold"], list):
            err("gold must be a list")
            continue
        if not re.fullmatch(r"q\d{3,}", obj["id"]):
            err("id should look like q001")
        ids[obj["id"]] += 1
        qtype = obj["type"]
        types[qtype] += 1
        if qtype not in TYPES:
            err(f"bad type {qtype!r}")

        gold = obj["gold"]
        mi = obj["must_include"]
        if qtype == "unanswerable":
            if gold or mi:
                err("unanswerable items must have empty gold and must_include")
            continue
        if not gold:
            err("answerable item has no gold quotes")
        if not 1 <= len(mi) <= 4:
            err(f"must_include should have 1-4 phrases, has {len(mi)}")
        if qtype == "multi" and len(gold) < 2:
            err("multi item needs 2+ gold quotes")
        if qtype == "compare" and len(gold) < 2:
            err("compare item needs 2+ gold quotes")

        gold_docs = set()
        for j, g in enumerate(gold):
            if not isinstance(g, dict) or set(g) != {"doc", "quote"}:
                err(f"gold[{j}] must be an object with keys doc, quote")
                continue
            doc, quote = g["doc"], g["quote"]
            if doc not in docs:
                err(f"gold[{j}] unknown doc {doc!r}")
                continue
            gold_docs.add(doc)
            docs_cited[doc] += 1
            for pat, label in BAD_QUOTE_PATTERNS:
                if pat.search(quote):
                    err(f"gold[{j}] quote contains {label}")
            nwords = len(quote.split())
            if not 8 <= nwords <= 40:
                err(f"gold[{j}] quote has {nwords} words (need 8-40)")
            if norm(quote) not in docs[doc]:
                err(f"gold[{j}] quote not found verbatim in {doc}: {quote[:80]!r}")
        for phrase in mi:
            p = norm(phrase).lower()
            if not any(p in docs_lower[d] for d in gold_docs):
                err(f"must_include {phrase!r} not found in gold docs {sorted(gold_docs)}")
            if p not in norm(obj["answer"]).lower():
                err(f"must_include {phrase!r} not found in the reference answer")

    for qid, n in ids.items():
        if n > 1:
            errors.append(f"duplicate id {qid} ({n} times)")
    total = sum(types.values())
    if total < MIN_TOTAL:
        errors.append(f"only {total} questions (need >= {MIN_TOTAL})")
    for t, n in MIN_PER_TYPE.items():
        if types[t] < n:
            errors.append(f"type {t}: {types[t]} questions (need >= {n})")
    for d in docs:
        if docs_cited[d] == 0:
            errors.append(f"document never cited in gold: {d}")

    print(f"questions: {total}")
    for t in TYPES:
        print(f"  {t:13s} {types[t]}")
    print("gold quotes per document:")
    for d in sorted(docs):
        print(f"  {docs_cited[d]:3d}  {d}")
    if errors:
        print(f"\n{len(errors)} error(s):")
        for e in errors:
            print("  " + e)
        return 1
    print("\nOK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
