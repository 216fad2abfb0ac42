"""Measure what each retrieval stage adds: run the Q&A set under setting variations and print a table.

    python -m eval.sweep --data-dir DIR [--qa FILE]

Used to choose the defaults in assistant/config.py (see README "Retrieval"); it never edits the gold set.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant import Assistant, Settings
from eval.dataset import load_qa
from eval.runner import run_eval

VARIANTS: dict[str, dict] = {
    "default": {},
    "bm25 only": {"use_dense": False},
    "dense only": {"use_bm25": False},
    "no glossary": {"use_glossary": False},
    "no scope from the question": {"use_scope": False},
    "no dedupe": {"dedupe": False},
    "no rerank": {"rerank": "none"},
    "rrf fusion": {"fusion": "rrf"},
    "weights 0.5/0.5": {"dense_weight": 0.5, "bm25_weight": 0.5},
    "weights 0.35/0.65": {"dense_weight": 0.35, "bm25_weight": 0.65},
}
COLUMNS = ("recall@1", "recall@5", "recall@10", "mrr", "citation_precision", "coverage", "passed")
#: The answerable questions only (abstention is off), so "passed" counts answers, not refusals.


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--qa", type=Path, default=Path(__file__).parent / "qa" / "sample.jsonl")
    parser.add_argument("--only", nargs="*", help="variant names to run")
    args = parser.parse_args()
    items = [i for i in load_qa(args.qa) if i.answerable]
    base = Settings.from_env(data_dir=args.data_dir, abstain_threshold=0.0)
    store = base.open_store()
    print("| variant | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for name, overrides in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        assistant = Assistant(base.with_overrides(**overrides), store)
        m = run_eval(assistant, items).metrics
        print(f"| {name} | " + " | ".join(f"{m[c]:.3f}" if c != "passed" else str(m[c]) for c in COLUMNS) + " |")


if __name__ == "__main__":
    main()
