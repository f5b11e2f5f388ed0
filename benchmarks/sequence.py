"""Series benchmark: supervised and task-driven masks on make_sequence_mask.

For each seed: fit ``SequenceMaskTransformer`` with its defaults on n_train
series (64 steps, a 12-step pattern, a volatile stretch), then on n_test fresh
series report the window IoU of the supervised mask, the TPR/FDR of the
task-driven mask (per-series means, %), fit seconds, and the held-out accuracy
of the same downstream model (LogisticRegression) on unmasked vs masked
series.

    python benchmarks/sequence.py            # n_train = n_test = 1000, 3 seeds
    python benchmarks/sequence.py --quick    # CI smoke run
"""

import argparse
import time

from sklearn.linear_model import LogisticRegression

from skmask import SequenceMaskTransformer
from skmask.datasets import make_sequence_mask
from skmask.metrics import mask_fdr, mask_iou, mask_tpr


def _accuracy(X_train, y_train, X_test, y_test):
    model = LogisticRegression(max_iter=2000).fit(X_train, y_train)
    return model.score(X_test, y_test)


def run(seed, n, quick):
    X, y, M = make_sequence_mask(n_samples=2 * n, n_timesteps=64, random_state=seed)
    X_tr, y_tr, M_tr, X_te, y_te, M_te = X[:n], y[:n], M[:n], X[n:], y[n:], M[n:]
    params = {"epochs": 3} if quick else {}
    row = {"seed": seed}
    started = time.perf_counter()
    sup = SequenceMaskTransformer(random_state=seed, **params).fit(X_tr, mask=M_tr)
    row["sup_seconds"] = time.perf_counter() - started
    row["iou"] = mask_iou(M_te, sup.get_mask(X_te))
    started = time.perf_counter()
    task = SequenceMaskTransformer(random_state=seed, **params).fit(X_tr, y_tr)
    row["task_seconds"] = time.perf_counter() - started
    pred = task.get_mask(X_te)
    row["tpr"] = 100 * mask_tpr(M_te, pred)
    row["fdr"] = 100 * mask_fdr(M_te, pred)
    row["acc_plain"] = _accuracy(X_tr, y_tr, X_te, y_te)
    row["acc_masked"] = _accuracy(
        task.transform(X_tr), y_tr, task.transform(X_te), y_te
    )
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small CI smoke run")
    parser.add_argument("--n", type=int, default=1000, help="train (and test) series")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    n = 100 if args.quick else args.n
    seeds = 1 if args.quick else args.seeds
    print(
        "| seed | sup IoU | sup fit s | task TPR % | task FDR % | task fit s "
        "| LR acc plain | LR acc masked |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for seed in range(seeds):
        r = run(seed, n, args.quick)
        print(
            f"| {r['seed']} | {r['iou']:.3f} | {r['sup_seconds']:.1f} | {r['tpr']:.1f} "
            f"| {r['fdr']:.1f} | {r['task_seconds']:.1f} | {r['acc_plain']:.3f} "
            f"| {r['acc_masked']:.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
