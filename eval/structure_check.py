"""How well ingest reads the structure of real reports: page furniture, sections, grades, whole sentences.

    python -m eval.structure_check [--folder /work/shared/ilacs] [--cache DIR] [--fail-over furniture=0.01 ...]

No embedding: each report goes through ``ingest.pipeline.prepare_document`` (what ingest stores, minus the
vectors). The ground truth for page furniture is independent of the remover: the raw lines that recur, digits
aside, at the top or foot of at least half of a document's pages, and bare page-number lines; a chunk "holds
furniture" when such a line (of 4+ words) or a glued page number ("… 2023 10 for them") is in its text.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from domain.text import split_sentences
from eval.report_check import DEFAULT_CACHE, DEFAULT_FOLDER, load_pages
from ingest.loaders import SourceDocument
from ingest.pipeline import prepare_document
from ingest.structure import JUDGEMENTS_SECTION
from vectorstore import token_counter

#: Ofsted's closing page ("About Ofsted", its address, the copyright line): boilerplate, never findings.
_BOILERPLATE = re.compile(r"Office for Standards in Education, Children.s Services and Skills \(Ofsted\) regulates|"
                          r"© Crown copyright|enquiries@ofsted\.gov\.uk")
EDGE = 4  # lines at each end of a page that running headers and footers occupy


def _norm(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split())).lower()


def furniture_lines(pages: list[str]) -> set[str]:
    """Normalised lines recurring at the top or foot of at least half of the pages (documents of 3+ pages)."""
    if len(pages) < 3:
        return set()
    seen: Counter[str] = Counter()
    for page in pages:
        lines = [ln for ln in page.splitlines() if ln.strip()]
        seen.update({_norm(ln) for ln in lines[:EDGE] + lines[-EDGE:]})
    return {ln for ln, n in seen.items() if n >= len(pages) / 2 and len(ln.split()) >= 4}


_END = (".", "!", "?", ":", ";", "”", "’", '"', "'", ")")


def mid_sentence(text: str) -> tuple[bool, bool]:
    """(starts mid-sentence, ends mid-sentence) for a chunk of prose (lists and tables are not judged)."""
    stripped = text.strip()
    if not stripped or "\n" in stripped:
        return False, False
    sentences = split_sentences(stripped)
    first, last = sentences[0], sentences[-1]
    starts = first[:1].islower()
    ends = len(last.split()) > 6 and not last.rstrip().endswith(_END)
    return starts, ends


def layout_of(framework: str) -> str:
    return framework or "other"


def check(folder: Path, cache: Path) -> dict[str, dict[str, float]]:
    count = token_counter()
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    for path in sorted(folder.rglob("*.pdf")):
        pages, _ = load_pages(path, cache)
        if pages is None:
            continue
        source = SourceDocument(path, "pdf", pages, "0" * 64, 0)
        record, chunks, _ = prepare_document(source, {}, 256, count)
        furniture = furniture_lines(pages)
        layout = layout_of(record.framework)
        for t in (totals[layout], totals["all"]):
            t["reports"] += 1
        # each judgement the report grades should have a section of its own
        expected = {k for k in JUDGEMENT_KINDS if record.grades.get(k)}
        found = expected & {c.section_kind for c in chunks}
        for t in (totals[layout], totals["all"]):
            t["areas_expected"] += len(expected)
            t["areas_found"] += len(found)
        if expected - found and len(examples["areas_missed"]) < 6:
            examples["areas_missed"].append(f"{path.parent.name}/{path.name}: {sorted(expected - found)}")
        for c in chunks:
            norm = _norm(c.text)
            glued = re.search(r"\b(?:19|20)\d\d \d{1,2} [a-z]", c.text) is not None
            # the opening's title is the document's, not a running header that repeats it
            holds = glued or (c.section != JUDGEMENTS_SECTION and any(f in norm for f in furniture))
            starts, ends = mid_sentence(c.text) if c.section != JUDGEMENTS_SECTION else (False, False)  # a table
            flags = {"chunks": 1, "furniture": holds, "no_section": not c.section, "starts_mid": starts,
                     "ends_mid": ends, "boilerplate": c.section_kind != "boilerplate" and _BOILERPLATE.search(c.text) is not None,
                     "judgement_chunks": c.section_kind in JUDGEMENT_KINDS,
                     "judgement_graded": c.section_kind in JUDGEMENT_KINDS and bool(getattr(c, "section_grade", ""))}
            for t in (totals[layout], totals["all"]):
                t.update({k: int(v) for k, v in flags.items()})
            for k in ("furniture", "starts_mid", "ends_mid", "no_section", "boilerplate"):
                if flags[k] and len(examples[k]) < 6:
                    examples[k].append(f"{path.parent.name}/{path.name} p{c.page} [{c.section}] {c.text[:140]!r}")
    out = {}
    for layout, t in totals.items():
        n = max(1, t["chunks"])
        out[layout] = {"reports": t["reports"], "chunks": t["chunks"], "furniture": t["furniture"] / n,
                       "no_section": t["no_section"] / n, "starts_mid": t["starts_mid"] / n,
                       "ends_mid": t["ends_mid"] / n,
                       "boilerplate": t["boilerplate"] / n,
                       "judgement_graded": t["judgement_graded"] / max(1, t["judgement_chunks"]),
                       "judgement_sections": t["areas_found"] / max(1, t["areas_expected"])}
    out["_examples"] = examples  # type: ignore[assignment]
    return out


JUDGEMENT_KINDS = ("help_and_protection", "in_care", "care_leavers", "impact_of_leaders")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--fail-over", action="append", default=[], metavar="METRIC=SHARE",
                    help="exit 1 if a share (furniture, no_section, starts_mid, ends_mid) is above SHARE")
    ap.add_argument("--fail-under", action="append", default=[], metavar="METRIC=SHARE",
                    help="exit 1 if a share (judgement_graded) is below SHARE")
    ap.add_argument("--examples", action="store_true", help="print examples of each problem")
    args = ap.parse_args(argv)
    result = check(args.folder, args.cache)
    examples = result.pop("_examples")
    cols = ("reports", "chunks", "furniture", "no_section", "starts_mid", "ends_mid", "boilerplate",
            "judgement_graded", "judgement_sections")
    print(f"{'layout':16}" + "".join(f"{c:>19}" for c in cols))
    for layout, row in sorted(result.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        print(f"{layout:16}" + "".join(f"{row[c]:>19}" if isinstance(row[c], int) else f"{row[c]:>19.4f}"
                                       for c in cols))
    if args.examples:
        for k, lines in examples.items():
            print(f"\n{k}:")
            for line in lines:
                print("  " + line)
    failed = 0
    for spec, over in [(s, True) for s in args.fail_over] + [(s, False) for s in args.fail_under]:
        name, _, limit = spec.partition("=")
        value = result["all"][name]
        if (value > float(limit)) if over else (value < float(limit)):
            print(f"gate: {name} {value:.4f} {'above' if over else 'below'} {limit}", file=sys.stderr)
            failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main())
