"""PyTorch / scikit-learn peer of bench/pairs.ts: the same pair files, the same hyperparameters.

Usage: /usr/bin/python3 pairs_peer.py DATA_DIR CASE EPOCHS
CASE: linear | mlp (Bradley-Terry, AdamW, torch with 1 thread) | logreg (sklearn LogisticRegression
on x_c - x_r, fit_intercept=False, C = 1 / (2·λ·n)). Prints one JSON line: per-epoch seconds (or the
fit's seconds) and the final validation pair accuracy.
The training loop is TRL's reward loss: -logsigmoid(r_c - r_r).mean(), randperm, batch, step.
"""
import json
import math
import sys
import time

import numpy as np
import torch


def load(data_dir):
    meta = json.load(open(f"{data_dir}/meta.json"))
    d = meta["dim"]

    def arr(name, rows):
        return np.fromfile(f"{data_dir}/{name}", dtype=np.float32).reshape(rows, d)

    n, nv = meta["trainPairs"], meta["valPairs"]
    return meta, arr("train-c.bin", n), arr("train-r.bin", n), arr("val-c.bin", nv), arr("val-r.bin", nv)


def accuracy(diff):
    return float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / len(diff))


def run_torch(case, meta, C, R, Cv, Rv, epochs):
    torch.set_num_threads(1)
    h = meta["hyper"]
    torch.manual_seed(h["seed"])
    C, R, Cv, Rv = (torch.from_numpy(a) for a in (C, R, Cv, Rv))
    d = C.shape[1]
    if case == "linear":
        model = torch.nn.Linear(d, 1)
    else:
        model = torch.nn.Sequential(torch.nn.Linear(d, h["hidden"]), torch.nn.GELU(), torch.nn.Linear(h["hidden"], 1))
    opt = torch.optim.AdamW(model.parameters(), lr=h["lr"], betas=tuple(h["betas"]), eps=h["eps"],
                            weight_decay=h["weightDecay"])
    n, bs = C.shape[0], h["batchSize"]
    total = epochs * ((n + bs - 1) // bs)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: max(0.0, 0.5 * (1 + math.cos(math.pi * t / total))))
    seconds = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for s in range(0, n, bs):
            idx = perm[s:s + bs]
            # One forward over chosen and rejected rows together, as rewardfit does.
            out = model(torch.cat([C[idx], R[idx]])).squeeze(1)
            m = idx.shape[0]
            loss = -torch.nn.functional.logsigmoid(out[:m] - out[m:]).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        seconds.append(time.perf_counter() - t0)
    with torch.no_grad():
        diff = (model(Cv) - model(Rv)).squeeze(1).numpy()
    return {"seconds": seconds, "valAccuracy": accuracy(diff), "threads": 1}


def run_logreg(meta, C, R, Cv, Rv):
    from sklearn.linear_model import LogisticRegression
    h = meta["hyper"]
    n = C.shape[0]
    t0 = time.perf_counter()
    Z = C.astype(np.float64) - R.astype(np.float64)
    # Hard labels p = 1 give sklearn one class: present every other pair the other way round
    # (-z, 0), which leaves the Bradley-Terry likelihood unchanged.
    sign = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    clf = LogisticRegression(fit_intercept=False, C=1 / (2 * h["l2"] * n), tol=1e-8, max_iter=10000)
    clf.fit(Z * sign[:, None], (sign > 0).astype(np.float64))
    seconds = time.perf_counter() - t0
    diff = (Cv.astype(np.float64) - Rv.astype(np.float64)) @ clf.coef_.ravel()
    np.asarray(clf.coef_.ravel(), dtype=np.float64).tofile(f"{sys.argv[1]}/logreg-weight.bin")
    return {"seconds": [seconds], "valAccuracy": accuracy(diff), "iterations": int(clf.n_iter_[0])}


if __name__ == "__main__":
    data_dir, case, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    meta, C, R, Cv, Rv = load(data_dir)
    out = run_logreg(meta, C, R, Cv, Rv) if case == "logreg" else run_torch(case, meta, C, R, Cv, Rv, epochs)
    print(json.dumps(out))
