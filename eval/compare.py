"""Paired bootstrap over questions: is run B better than run A on the sum of every question set?

    python eval/compare.py RUN_A RUN_B [--resamples 10000] [--seed 0]

A run is a folder of `rag eval --json` outputs, one file per set (`all.sh` writes qa.json, heldout.json,
short.json and office.json). Each question scores 1 when right (its expected fact in a found answer, or a refusal
for a question the documents cannot answer), else 0; a follow-up or topic switch of the conversations scores the
same way. Questions are paired by set and id; the interval is the 5th to 95th percentile of the summed difference
over resamples of the questions (the 90% interval). It reruns nothing; it only reads the two runs.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path


def outcomes(run: Path) -> dict[str, dict[str, dict[str, int]]]:
    """{set: {question id: {"right": 0/1, "cited": 0/1 or absent}}} of one run folder."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for path in sorted(run.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = {}
        for r in data.get("results", []):
            checks = r.get("checks", {})
            right = checks.get("fact") if r.get("answerable") else checks.get("refused")
            if right is None:
                continue
            row = {"right": int(bool(right))}
            if r.get("answerable"):
                row["cited"] = int(bool(checks.get("cites_gold")))
                if r.get("evidence_shown") is not None:
                    row["shown"] = int(bool(r["evidence_shown"]))
            rows[r["id"]] = row
        out[path.stem] = rows
        if conv := data.get("conversations"):
            out[f"{path.stem}-chats"] = {c["id"]: {"right": int(bool(c["right"]))} for c in conv["results"]}
    return out


def interval(diffs: list[int], resamples: int, seed: int) -> tuple[float, float]:
    """5th and 95th percentile of the resampled sum of paired differences."""
    rng = random.Random(seed)
    n = len(diffs)
    sums = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) for _ in range(resamples))
    return sums[int(0.05 * resamples)], sums[int(0.95 * resamples) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--resamples", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    a, b = outcomes(args.a), outcomes(args.b)
    for metric in ("right", "cited", "shown"):
        diffs, lines = [], []
        for name in sorted(set(a) & set(b)):
            ids = sorted(i for i in set(a[name]) & set(b[name]) if metric in a[name][i] and metric in b[name][i])
            if not ids:
                continue
            xa = sum(a[name][i][metric] for i in ids)
            xb = sum(b[name][i][metric] for i in ids)
            diffs += [b[name][i][metric] - a[name][i][metric] for i in ids]
            lines.append(f"  {name:16} {xa:3} -> {xb:3} of {len(ids)}")
        if not diffs:
            continue
        lo, hi = interval(diffs, args.resamples, args.seed)
        print(f"{metric}: sum {sum(diffs):+d} over {len(diffs)} questions, 90% interval [{lo:+d}, {hi:+d}]")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
