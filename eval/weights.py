"""Choose the feature reranker's weights on a Q&A set, with a held-out check.

    python -m eval.weights --data-dir DIR [--qa FILE] [--trials 4000] [--seed 0]

Each answerable question is asked once with a deep candidate list, keeping every candidate's rerank features
(``Passage.scores``); weights are then scored offline (recall@5 and MRR of the re-sorted candidates) over a
random sample of a grid. To guard against fitting the set, the best weights chosen on each half of the
questions are scored on the other half, beside the current weights. It prints; it never edits settings or gold.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import asdict, fields
from pathlib import Path

import numpy as np

from assistant import Assistant, Settings
from assistant.rerank import FeatureWeights
from eval.dataset import load_qa
from eval.matching import passage_matches

#: FeatureWeights field -> the key its feature has in Passage.scores
FEATURE_KEYS = {"fused": "fused", "sentence": "sentence", "coverage": "coverage", "section": "section_prior",
                "context": "context_prior", "dense": "dense", "answer_type": "answer_type",
                "boilerplate": "boilerplate"}
GRID = {"fused": (0, .1, .2, .3), "sentence": (0, .1, .2, .3, .4, .5), "coverage": (0, .2, .3, .4, .5, .6),
        "section": (0, .04, .08, .15), "context": (0, .1, .2, .3), "dense": (0, .1, .2, .3, .4),
        "answer_type": (0, .05, .1, .15, .2), "boilerplate": (0, -.05, -.1, -.2)}

Case = tuple[np.ndarray, np.ndarray]  # features (candidates x weights), gold hits (candidates x gold quotes)


def collect(assistant: Assistant, qa: Path) -> list[Case]:
    cases = []
    for item in load_qa(qa):
        if not item.answerable:
            continue
        passages = assistant.ask(item.question).passages
        if not passages:
            continue
        x = np.array([[p.scores.get(FEATURE_KEYS[f.name], 0.0) for f in fields(FeatureWeights)] for p in passages])
        hits = np.array([[passage_matches(p.chunk.text, p.chunk.source, g.doc, g.quote, p.chunk.path) for g in item.gold]
                         for p in passages], dtype=bool)
        cases.append((x, hits))
    return cases


def score(weights: np.ndarray, cases: list[Case]) -> tuple[float, float]:
    """(recall@5, MRR) of the candidates re-sorted by ``weights``."""
    recall, mrr = [], []
    for x, hits in cases:
        order = np.argsort(-(x @ weights), kind="stable")
        recall.append(hits[order[:5]].any(axis=0).mean())
        first = np.flatnonzero(hits[order].any(axis=1))
        mrr.append(1.0 / (first[0] + 1) if len(first) else 0.0)
    return float(np.mean(recall)), float(np.mean(mrr))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--qa", type=Path, default=Path(__file__).parent / "qa" / "sample.jsonl")
    parser.add_argument("--trials", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    settings = Settings.from_env(data_dir=args.data_dir, candidates=200, rerank_depth=200, abstain_threshold=0.0)
    cases = collect(Assistant(settings), args.qa)
    names = [f.name for f in fields(FeatureWeights)]
    current = np.array([asdict(FeatureWeights())[n] for n in names])
    rng = random.Random(args.seed)
    trials = {tuple(float(rng.choice(GRID[n])) for n in names) for _ in range(args.trials)}
    ranked = sorted(((score(np.array(w), cases), w) for w in trials), reverse=True)
    print(f"{len(cases)} answerable questions; weights: {', '.join(names)}")
    print(f"current {tuple(float(v) for v in current)}: recall@5 {score(current, cases)[0]:.3f}, MRR {score(current, cases)[1]:.3f}")
    for (recall, mrr), w in ranked[:10]:
        print(f"  {w}: recall@5 {recall:.3f}, MRR {mrr:.3f}")
    for fold in (0, 1):
        train = [c for i, c in enumerate(cases) if i % 2 == fold]
        test = [c for i, c in enumerate(cases) if i % 2 != fold]
        best = max(ranked[:400], key=lambda r: score(np.array(r[1]), train))[1]
        print(f"half {fold}: chosen there {best} scores {score(np.array(best), test)[0]:.3f} recall@5 on the other "
              f"half; the current weights {score(current, test)[0]:.3f}")


if __name__ == "__main__":
    main()
