"""Score what ingest reads of each report (its metadata: council, kind of document, framework, dates, lead
inspector, judgements) against a table of reports (``reports.csv``) and list every disagreement.

    python -m eval.report_check [--folder /work/shared/ilacs] [--cache DIR] [--json OUT]

Per field: how often the extraction agrees with the table, counted over the rows where the table has a value
(empty, ``data_unreadable``, ``inspection_pre_dates_judgement`` and ``not_reported_post_reform`` are no value),
plus how many values were read where the table has none. Then every disagreement: file, field, ours, the
table's, and our quote. The table is a third party's scrape and has errors of its own: the verdict on each
disagreement is in ``eval/report_fields_disagreements.md``.

Page texts are cached per file (keyed by the file's SHA-256) so a re-run takes seconds, not the minutes
pypdf needs; files that cannot be read (two ".pdf" files are HTML pages) are counted and skipped.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import json
import sys
import time
import unicodedata
from pathlib import Path

from domain.gazetteer import load as load_gazetteer
from domain.kinds import INSPECTION_REPORT
from ingest.loaders import IngestError, load_file
from ingest.metadata import DocumentMetadata, extract_metadata

DEFAULT_FOLDER = Path("/work/shared/ilacs")
DEFAULT_CACHE = Path("/tmp/report_fields_cache")
MAX_BYTES = 200_000_000
NO_VALUE = {"", "data_unreadable", "inspection_pre_dates_judgement", "not_reported_post_reform"}
CSV_FRAMEWORKS = {"standard": "ILACS standard", "short": "ILACS short"}
#: our field -> the table's column
GRADE_COLUMNS = {
    "overall_effectiveness": "overall_effectiveness_grade",
    "impact_of_leaders": "impact_of_leaders_grade",
    "help_and_protection": "help_and_protection_grade",
    "in_care": "in_care_grade",
    "care_leavers": "care_leavers_grade",
}
FIELDS = ("council", "doc_type", "framework", "inspection_start", "inspection_end", "published", "lead_inspector",
          *(f"grades.{k}" for k in GRADE_COLUMNS))


def load_pages(path: Path, cache: Path) -> tuple[list[str] | None, str]:
    """The file's page texts (from the cache when its bytes are unchanged), or None and the reason."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    cached = cache / f"{digest}.json"
    if cached.exists():
        data = json.loads(cached.read_text(encoding="utf-8"))
    else:
        try:
            data = {"pages": load_file(path, MAX_BYTES).pages}
        except IngestError as exc:
            data = {"error": exc.reason}
        cache.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(cached)
    return data.get("pages"), data.get("error", "")


def _date(value: str) -> str:
    """dd/mm/yyyy or dd/mm/yy -> ISO."""
    day, month, year = value.split("/")
    if len(year) == 2:
        year = "20" + year
    return f"{year}-{int(month):02d}-{int(day):02d}"


def expected(row: dict[str, str]) -> dict[str, str]:
    """The table's values in our terms ("" where it has none)."""
    def value(column: str) -> str:
        v = row.get(column, "").strip()
        return "" if v in NO_VALUE else v

    out = {
        "framework": CSV_FRAMEWORKS.get(value("inspection_framework"), value("inspection_framework")),
        "inspection_start": _date(value("inspection_start_date")) if value("inspection_start_date") else "",
        "inspection_end": _date(value("inspection_end_date")) if value("inspection_end_date") else "",
        "published": _date(value("publication_date")) if value("publication_date") else "",
        "lead_inspector": value("inspector_name"),
    }
    out |= {f"grades.{k}": value(col).lower() for k, col in GRADE_COLUMNS.items()}
    # Every row of the table is an Ofsted report on the authority its folder is named after.
    council = load_gazetteer().canonical(row.get("local_authority", ""))
    out |= {"council": council.name if council else "", "doc_type": INSPECTION_REPORT.value}
    return out


def ours(fields: DocumentMetadata, name: str) -> str:
    if name.startswith("grades."):
        return fields.grades.get(name.removeprefix("grades."), "")
    return getattr(fields, name)


def same(name: str, a: str, b: str) -> bool:
    if name == "lead_inspector":  # case, accents and the table's stray spaces ("Jenny -ellen") aside
        def key(s: str) -> str:
            s = unicodedata.normalize("NFKD", s)
            return "".join(c for c in s if c.isalnum()).casefold()
        return key(a) == key(b)
    return a == b


@dataclasses.dataclass
class Tally:
    table: int = 0  # rows where the table has a value
    agree: int = 0
    disagree: int = 0
    missing: int = 0  # the table has a value, we read none
    extra: int = 0  # we read a value, the table has none


def rows_of(folder: Path, table: Path | None) -> list[tuple[Path, dict[str, str]]]:
    if table and table.exists():
        with table.open(encoding="utf-8", newline="") as handle:
            return [(folder / f"{r['urn']}_{r['local_authority']}" / r["pdf_filename"], r)
                    for r in csv.DictReader(handle)]
    return [(p, {}) for p in sorted(folder.rglob("*.pdf"))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    ap.add_argument("--csv", type=Path, default=None, help="default: <folder>/reports.csv")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--json", type=Path, default=None, help="write every file's fields here")
    ap.add_argument("--fail-under", action="append", default=[], metavar="FIELD=RATE",
                    help="exit 1 if a field's agreement (agree / table) is below RATE; repeatable")
    args = ap.parse_args(argv)
    table = args.csv or args.folder / "reports.csv"

    t0 = time.perf_counter()
    tallies = {name: Tally() for name in FIELDS}
    disagreements: list[tuple[str, str, str, str, str]] = []
    unreadable: list[tuple[str, str]] = []
    dump: dict[str, dict] = {}
    frameworks: dict[str, int] = {}
    rows = rows_of(args.folder, table)
    extract_seconds = 0.0
    for path, row in rows:
        rel = str(path.relative_to(args.folder))
        if not path.exists():
            unreadable.append((rel, "file not found"))
            continue
        pages, error = load_pages(path, args.cache)
        if pages is None:
            unreadable.append((rel, error))
            continue
        t1 = time.perf_counter()
        fields = extract_metadata(pages)
        extract_seconds += time.perf_counter() - t1
        frameworks[fields.framework or "(none)"] = frameworks.get(fields.framework or "(none)", 0) + 1
        dump[rel] = dataclasses.asdict(fields)
        want = expected(row) if row else {}
        for name in FIELDS:
            mine, theirs = ours(fields, name), want.get(name, "")
            t = tallies[name]
            if theirs:
                t.table += 1
                if not mine:
                    t.missing += 1
                    disagreements.append((rel, name, mine, theirs, ""))
                elif same(name, mine, theirs):
                    t.agree += 1
                else:
                    t.disagree += 1
                    cite = fields.citations.get(name)
                    quote = f"p{cite.page}: {' '.join(cite.quote.split())}" if cite else ""
                    disagreements.append((rel, name, mine, theirs, quote))
            elif mine:
                t.extra += 1

    read = len(rows) - len(unreadable)
    print(f"{len(rows)} files, {read} read, {len(unreadable)} unreadable (skipped); "
          f"extraction {extract_seconds:.2f}s, total {time.perf_counter() - t0:.1f}s")
    for rel, why in unreadable:
        print(f"  unreadable: {rel}: {why}")
    print("frameworks read: " + ", ".join(f"{k} {v}" for k, v in sorted(frameworks.items())))
    print(f"\n{'field':30} {'table':>5} {'agree':>6} {'rate':>6} {'differ':>6} {'ours empty':>10} {'of read':>7} "
          f"{'extra':>6}")
    for name, t in tallies.items():
        rate = f"{t.agree / t.table:.3f}" if t.table else "-"
        read_rate = f"{t.agree / (t.agree + t.disagree):.3f}" if t.agree + t.disagree else "-"
        print(f"{name:30} {t.table:5d} {t.agree:6d} {rate:>6} {t.disagree:6d} {t.missing:10d} {read_rate:>7} "
              f"{t.extra:6d}")
    print("table: rows where the table has a value; rate: agree / table; of read: agree / (agree + differ), "
          "over the rows where both have a value; extra: values read where the table has none")
    # The table dates every file by the website's publication date; most reports do not state one (ILACS
    # reports never do), so an empty publication date is counted, not listed.
    unstated = [d for d in disagreements if d[1] == "published" and not d[2]]
    listed = [d for d in disagreements if d not in unstated]
    print(f"\n{len(listed)} disagreements (file | field | ours | table's | our quote); verdicts: "
          "eval/report_fields_disagreements.md")
    for rel, name, mine, theirs, quote in listed:
        print(f"- {rel} | {name} | {mine or '(empty)'} | {theirs} | {quote}")
    if unstated:
        print(f"\npublished: {len(unstated)} files state no publication date (the table's comes from the website)")
    if args.json:
        args.json.write_text(json.dumps(dump, indent=1, ensure_ascii=False), encoding="utf-8")
    failed = 0
    for spec in args.fail_under:
        name, _, floor = spec.partition("=")
        t = tallies.get(name)
        rate = t.agree / t.table if t and t.table else None
        if rate is None or rate < float(floor):
            print(f"gate: {name} agreement {rate if rate is None else round(rate, 3)} below the floor {floor}",
                  file=sys.stderr)
            failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main())
