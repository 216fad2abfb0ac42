"""How often ``document_council`` names the right council, on the real reports and the sample documents.

    python -m eval.gazetteer_check [--reports /work/shared/ilacs] [--text /tmp/alltext.json] [--samples DIR]

The truth for a real report is its folder name (``<URN>_<authority>``) read through ``canonical``; for a
sample document, the longest leading part of its file name that ``canonical`` knows ("cheshire-east-...").
The title is the first lines of page 1, the opening pages 1-2 (the same text a reader of the PDF sees first).
Pages come from the ``--text`` cache of pypdf's ``extract_text()`` when it exists, else from the PDFs.
A file that holds no report (an HTML error page saved as .pdf) should get None. Prints accuracy and misses.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from domain.gazetteer import Council, Gazetteer, load

ROOT = Path(__file__).resolve().parent.parent
TITLE_LINES = 4
SAMPLE_OPENING_CHARS = 6000


def split_title(page1: str) -> str:
    lines = [line for line in page1.splitlines() if line.strip()]
    return "\n".join(lines[:TITLE_LINES])


def pdf_pages(path: Path, cache: dict[str, list[str] | None] | None, key: str) -> list[str] | None:
    """Pages 1-2 of a report, or None when the file holds no PDF text."""
    if cache is not None and key in cache:
        pages = cache[key]
        return pages[:2] if pages else None
    from pypdf import PdfReader  # only when no cache: it is slow on 240 files

    try:
        return [page.extract_text() or "" for page in PdfReader(path).pages[:2]]
    except Exception:  # noqa: BLE001 - an HTML page saved as .pdf, a damaged file: no report text
        return None


def expected_for_sample(g: Gazetteer, path: Path) -> Council | None:
    words = re.split(r"[-_ ]+", path.stem)
    for n in range(len(words), 0, -1):
        council = g.canonical(" ".join(words[:n]))
        if council:
            return council
    return None


def check_reports(g: Gazetteer, reports: Path, cache: dict | None, with_title: bool) -> tuple[int, int, list[str]]:
    right, total, misses = 0, 0, []
    for folder in sorted(p for p in reports.iterdir() if p.is_dir()):
        truth = g.canonical(folder.name.split("_", 1)[1])
        if truth is None:
            misses.append(f"  folder {folder.name!r}: canonical() knows no council of that name")
        for pdf in sorted(folder.glob("*.pdf")):
            pages = pdf_pages(pdf, cache, f"{folder.name}/{pdf.name}")
            expected = truth if pages else None  # no text: nothing can be said, None is right
            opening = "\n".join(pages or [])
            title = split_title(pages[0]) if pages and with_title else ""
            got = g.document_council(title, opening)
            total += 1
            if got == expected:
                right += 1
            else:
                misses.append(f"  {folder.name}/{pdf.name}: got {got and got.name!r}, "
                              f"expected {expected and expected.name!r}; title {title[:90]!r}")
    return right, total, misses


def check_samples(g: Gazetteer, samples: Path) -> tuple[int, int, list[str]]:
    right, total, misses = 0, 0, []
    for path in sorted(samples.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        expected = expected_for_sample(g, path)
        got = g.document_council(split_title(text), text[:SAMPLE_OPENING_CHARS])
        total += 1
        if got == expected:
            right += 1
        else:
            misses.append(f"  {path.name}: got {got and got.name!r}, expected {expected and expected.name!r}")
    return right, total, misses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=Path, default=Path("/work/shared/ilacs"))
    ap.add_argument("--text", type=Path, default=Path("/tmp/alltext.json"), help="pypdf text cache, if present")
    ap.add_argument("--samples", type=Path, default=ROOT / "data" / "sample")
    args = ap.parse_args()
    g = load()
    cache = json.loads(args.text.read_text()) if args.text.exists() else None
    for with_title in (True, False):
        t0 = time.perf_counter()
        right, total, misses = check_reports(g, args.reports, cache, with_title)
        label = "title = first lines of page 1" if with_title else "no title (opening only)"
        print(f"real reports, {label}: {right}/{total} = {right / max(1, total):.3f} "
              f"({(time.perf_counter() - t0) * 1000 / max(1, total):.1f} ms/report)")
        print("\n".join(misses) if misses else "  no misses")
    if args.samples.is_dir():
        right, total, misses = check_samples(g, args.samples)
        print(f"sample documents: {right}/{total}")
        print("\n".join(misses) if misses else "  no misses")


if __name__ == "__main__":
    main()
