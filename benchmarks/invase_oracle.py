"""What the task objective asks for on the INVASE tasks, with a perfect judge.

The task objective keeps entry j of row x when it lowers the expected loss
against the label by more than its cost, ``sparsity / n_features``. With the
true ``P(y | x)`` (:func:`skmask.datasets.invase_proba`) that expected loss
is, up to a constant, ``KL(P(y | x) || P(y | x_S))``; ``P(y | x_S)``
integrates the dropped features out (Monte Carlo over ``x ~ N(0, I)``).
For each row this script finds

- the best subset S of the task's relevant features (the objective's
  optimum), and
- the subset backward elimination reaches from "all kept" (the way gates
  that start open close: one entry at a time, while that lowers the
  objective),

and reports their TPR/FDR (%) against the ground-truth masks, at the
default cost (sparsity 0.15 over 11 features) and at smaller ones. No
network is trained: this measures the objective, not the optimiser.

    python benchmarks/invase_oracle.py            # 4000 rows, 256 draws per row
    python benchmarks/invase_oracle.py --quick    # CI smoke run
"""

import argparse
import itertools

import numpy as np

from skmask.datasets import INVASE_KINDS, invase_proba, make_invase
from skmask.metrics import mask_fdr, mask_tpr


def _kl(p, q):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    q = np.clip(q, 1e-7, 1 - 1e-7)
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


def subset_losses(kind, X, n_draws, rng):
    """Return {subset: KL(P(y|x) || P(y|x_S)) per row} over the relevant subsets."""
    n, d = X.shape
    p = invase_proba(kind, X)
    # Only features the task reads matter; the others may be dropped freely.
    probe = rng.normal(size=(64, d))
    reads = [
        j
        for j in range(11)
        if not np.allclose(
            invase_proba(kind, probe),
            invase_proba(kind, np.where(np.arange(d) == j, 0.0, probe)),
        )
    ]
    draws = rng.normal(size=(n_draws, d))
    losses = {}
    for r in range(len(reads) + 1):
        for subset in itertools.combinations(reads, r):
            dropped = [j for j in range(d) if j not in subset]
            Xs = np.repeat(X[:, None, :], n_draws, axis=1)
            Xs[:, :, dropped] = draws[None, :, dropped]
            q = invase_proba(kind, Xs.reshape(-1, d)).reshape(n, n_draws).mean(axis=1)
            losses[frozenset(subset)] = _kl(p, q)
    return reads, losses


def oracle_masks(reads, losses, cost, n, d):
    """Per-row best subset, and the subset backward elimination stops at."""
    objective = {s: loss + cost * len(s) for s, loss in losses.items()}
    subsets = list(objective)
    table = np.stack([objective[s] for s in subsets], axis=1)
    best = np.zeros((n, d))
    for i, k in enumerate(np.argmin(table, axis=1)):
        best[i, list(subsets[k])] = 1
    backward = np.zeros((n, d))
    for i in range(n):
        kept = frozenset(reads)
        while kept:
            drop = min(kept, key=lambda j: objective[kept - {j}][i])
            if objective[kept - {drop}][i] >= objective[kept][i]:
                break
            kept = kept - {drop}
        backward[i, list(kept)] = 1
    return best, backward


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--n", type=int, default=None, help="rows")
    parser.add_argument("--draws", type=int, default=None, help="draws per row")
    parser.add_argument("--scales", default="1,0.1,0.01", help="cost multipliers")
    parser.add_argument("--kinds", default=",".join(INVASE_KINDS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n = args.n or (200 if args.quick else 4000)
    n_draws = args.draws or (32 if args.quick else 256)
    kinds = args.kinds.split(",")[:2] if args.quick else args.kinds.split(",")
    scales = [float(s) for s in args.scales.split(",")]
    default_cost = 0.15 / 11
    print(f"n = {n}, {n_draws} draws per row, seed {args.seed}; TPR / FDR %")
    header = f"{'task':<6}{'cost':>8}{'best subset':>16}{'backward elim.':>18}"
    print(header)
    print("-" * len(header))
    rng = np.random.RandomState(args.seed)
    for kind in kinds:
        X, _, truth = make_invase(kind, n_samples=n, random_state=args.seed)
        reads, losses = subset_losses(kind, X, n_draws, rng)
        for scale in scales:
            cost = scale * default_cost
            best, backward = oracle_masks(reads, losses, cost, n, X.shape[1])
            cells = [
                f"{100 * mask_tpr(truth, m):.1f} / {100 * mask_fdr(truth, m):.1f}"
                for m in (best, backward)
            ]
            print(f"{kind:<6}{cost:>8.4f}{cells[0]:>16}{cells[1]:>18}", flush=True)


if __name__ == "__main__":
    main()
