"""Copy the CI subset of the real reports (eval/qa/real_ci_reports.txt) into data/real_ci/, with their rows of
reports.csv, so CI can run the real-report questions on a clean clone without /work/shared.

    python scripts/copy_real_ci.py [--src /work/shared/ilacs] [--dest data/real_ci]
"""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "eval" / "qa" / "real_ci_reports.txt"


def ci_paths(list_file: Path = LIST) -> list[str]:
    lines = list_file.read_text(encoding="utf-8").splitlines()
    return [x.strip() for x in lines if x.strip() and not x.lstrip().startswith("#")]


def copy_subset(src: Path, dest: Path, paths: list[str]) -> int:
    """Copy each listed report (same relative path) and a reports.csv holding only their rows; returns the count."""
    for rel in paths:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / rel, target)
    wanted = set(paths)
    folders = {p.name.split("_", 1)[0]: p.name for p in src.iterdir() if p.is_dir()}
    with (src / "reports.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if f"{folders.get(r['urn'], '')}/{r['pdf_filename']}" in wanted]
        fields = reader.fieldnames or []
    missing = wanted - {f"{folders[r['urn']]}/{r['pdf_filename']}" for r in rows}
    if missing:
        raise SystemExit(f"no reports.csv row for: {sorted(missing)}")
    with (dest / "reports.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=Path("/work/shared/ilacs"))
    parser.add_argument("--dest", type=Path, default=ROOT / "data" / "real_ci")
    args = parser.parse_args()
    n = copy_subset(args.src, args.dest, ci_paths())
    print(f"copied {n} reports and their reports.csv rows to {args.dest}")


if __name__ == "__main__":
    main()
