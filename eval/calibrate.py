"""Choose the abstention threshold on a Q&A set (the rule is in ``calibrate``), abstaining on at most
``--max-false`` (default 5 %) of answerable questions, and report the unanswerable recall it buys.

    python -m eval.calibrate --data-dir DIR [--qa FILE]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant import Assistant, Settings
from eval.dataset import load_qa


def calibrate(evidence_answerable: list[float], evidence_unanswerable: list[float],
              max_false: float) -> tuple[float, float, float]:
    """(threshold, share of answerable abstained, share of unanswerable abstained).

    Among thresholds abstaining on at most ``max_false`` of answerable questions: most unanswerables caught,
    then fewest answerables lost, then the highest threshold (so off-topic questions are still refused when
    the evidence score cannot separate the set's unanswerables).
    """
    values = evidence_answerable + evidence_unanswerable
    best: tuple[tuple[float, float, float], tuple[float, float, float]] | None = None
    for threshold in sorted({0.0, *values, *(v + 1e-6 for v in values)}):
        false = sum(e < threshold for e in evidence_answerable) / max(1, len(evidence_answerable))
        hit = sum(e < threshold for e in evidence_unanswerable) / max(1, len(evidence_unanswerable))
        if false <= max_false:
            key = (hit, -false, threshold)
            if best is None or key > best[0]:
                best = (key, (round(threshold, 4), false, hit))
    return best[1] if best else (0.0, 0.0, 0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--qa", type=Path, default=Path(__file__).parent / "qa" / "sample.jsonl")
    parser.add_argument("--max-false", type=float, default=0.05)
    args = parser.parse_args()
    assistant = Assistant(Settings.from_env(data_dir=args.data_dir, abstain_threshold=0.0))
    answerable, unanswerable = [], []
    for item in load_qa(args.qa):
        e = assistant.ask(item.question).timings_ms["evidence"]
        (answerable if item.answerable else unanswerable).append(e)
        print(f"{item.id} {item.type:12} evidence {e:.3f}  {item.question[:70]}")
    threshold, false, hit = calibrate(answerable, unanswerable, args.max_false)
    print(f"\nthreshold {threshold}: abstains on {hit:.0%} of unanswerable, {false:.0%} of answerable")


if __name__ == "__main__":
    main()
