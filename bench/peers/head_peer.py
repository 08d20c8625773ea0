"""PyTorch / scikit-learn peer of bench/head.ts: the same data files, the same hyperparameters.

Usage: /usr/bin/python3 head_peer.py DATA_DIR CASE THREADS EPOCHS [PROBE_STEPS]
CASE: linear | mlp | ridge. Prints one JSON line: per-epoch seconds, final validation MSE, ...
With PROBE_STEPS > 0 only that many steps run (after 5 warm-up steps), and "seconds" holds the
projected time per epoch: a quick way to pick the faster thread count.
The training loop is the idiomatic one: randperm, index a batch, forward, masked MSE, backward, step.
"""
import json
import math
import sys
import time

import numpy as np
import torch


def load(data_dir):
    meta = json.load(open(f"{data_dir}/meta.json"))
    d, k = meta["dim"], meta["attributes"]
    def arr(name, rows, cols):
        return torch.from_numpy(np.fromfile(f"{data_dir}/{name}", dtype=np.float32).reshape(rows, cols))
    return (meta, arr("train-x.bin", meta["trainRows"], d), arr("train-y.bin", meta["trainRows"], k),
            arr("val-x.bin", meta["valRows"], d), arr("val-y.bin", meta["valRows"], k))


def run_torch(case, meta, X, Y, Xv, Yv, epochs, probe=0):
    h = meta["hyper"]
    torch.manual_seed(h["seed"])
    d, k = X.shape[1], Y.shape[1]
    # Standardize on the training split (population std), as rewardfit does.
    mean = Y.mean(0)
    std = Y.std(0, unbiased=False)
    Z = (Y - mean) / std
    if case == "linear":
        model = torch.nn.Linear(d, k)
    else:
        layers, width = [], d
        for w in h["hidden"]:
            layers += [torch.nn.Linear(width, w), torch.nn.GELU() if h["activation"] == "gelu" else torch.nn.ReLU()]
            if h["dropout"] > 0:
                layers.append(torch.nn.Dropout(h["dropout"]))
            width = w
        layers.append(torch.nn.Linear(width, k))
        model = torch.nn.Sequential(*layers)
    opt = torch.optim.AdamW(model.parameters(), lr=h["lr"], betas=tuple(h["betas"]), eps=h["eps"],
                            weight_decay=h["weightDecay"])
    n, bs = X.shape[0], h["batchSize"]
    # Cosine decay to 0 over the run, no warm-up: transformers' get_cosine_schedule_with_warmup,
    # as rewardfit's 'cosine' schedule (lambda of the 0-based step, stepped after each update).
    total = epochs * ((n + bs - 1) // bs)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: max(0.0, 0.5 * (1 + math.cos(math.pi * t / total))))

    def step(idx):
        out = model(X[idx])
        loss = ((Z[idx] - out) ** 2).mean()  # = -L_rating on standardized targets
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()

    if probe > 0:
        model.train()
        perm = torch.randperm(n)
        for s in range(5):
            step(perm[s * bs:(s + 1) * bs])
        t0 = time.perf_counter()
        for s in range(5, 5 + probe):
            step(perm[s * bs:(s + 1) * bs])
        return {"seconds": [(time.perf_counter() - t0) / probe * (n // bs)], "valMse": None, "probe": probe}
    seconds, val_mse = [], None
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n)
        for s in range(0, n, bs):
            step(perm[s:s + bs])
        model.eval()
        with torch.no_grad():
            pred = model(Xv) * std + mean
            val_mse = ((Yv - pred) ** 2).mean().item()
        seconds.append(time.perf_counter() - t0)
    return {"seconds": seconds, "valMse": val_mse}


def run_ridge(meta, X, Y, Xv, Yv, data_dir):
    from sklearn.linear_model import Ridge
    alpha = meta["hyper"]["ridgeAlpha"]
    t0 = time.perf_counter()
    Xd = X.numpy()
    Yd = Y.numpy().astype(np.float64)
    mean = Yd.mean(0)
    std = Yd.std(0)
    Z = (Yd - mean) / std
    model = Ridge(alpha=alpha, fit_intercept=True, solver="auto").fit(Xd, Z)
    seconds = time.perf_counter() - t0
    # The exact answer in float64: centred normal equations solved by numpy.
    X64 = Xd.astype(np.float64)
    xm = X64.mean(0)
    Xc = X64 - xm
    W = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ (Z - Z.mean(0))).T  # [k, d]
    b = Z.mean(0) - W @ xm
    W.astype(np.float32).tofile(f"{data_dir}/ridge-numpy-weight.bin")
    b.astype(np.float32).tofile(f"{data_dir}/ridge-numpy-bias.bin")
    pred = model.predict(Xv.numpy()) * std + mean
    return {"seconds": [seconds], "valMse": float(((Yv.numpy() - pred) ** 2).mean()),
            "sklearnVsNumpyMaxAbs": float(np.abs(model.coef_ - W).max())}


def run_ridge_grid(meta, X, Y, Xv, Yv):
    """alpha picked on validation from a grid, as rewardfit and ArmoRM do: the faster of a loop of
    Ridge fits scored on the validation rows, and RidgeCV (generalized cross-validation) on the same grid."""
    from sklearn.linear_model import Ridge, RidgeCV
    alphas = meta["hyper"]["ridgeGrid"]
    Xd, Xvd = X.numpy(), Xv.numpy()
    Yd = Y.numpy().astype(np.float64)
    mean, std = Yd.mean(0), Yd.std(0)
    Z = (Yd - mean) / std
    t0 = time.perf_counter()
    best = None
    for a in alphas:
        m = Ridge(alpha=a, fit_intercept=True, solver="cholesky").fit(Xd, Z)
        mse = float(((Yv.numpy() - (m.predict(Xvd) * std + mean)) ** 2).mean())
        if best is None or mse < best[0]:
            best = (mse, a)
    loop = time.perf_counter() - t0
    t0 = time.perf_counter()
    RidgeCV(alphas=alphas, fit_intercept=True).fit(Xd, Z)
    gcv = time.perf_counter() - t0
    return {"seconds": [min(loop, gcv)], "loopSeconds": loop, "ridgeCvSeconds": gcv, "valMse": best[0], "alpha": best[1]}


def main():
    data_dir, case, threads, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    probe = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    torch.set_num_threads(threads)
    meta, X, Y, Xv, Yv = load(data_dir)
    if case == "ridge":
        res = run_ridge(meta, X, Y, Xv, Yv, data_dir)
    elif case == "ridge-grid":
        res = run_ridge_grid(meta, X, Y, Xv, Yv)
    else:
        res = run_torch(case, meta, X, Y, Xv, Yv, epochs, probe)
    res.update({"case": case, "threads": threads, "torch": torch.__version__})
    print(json.dumps(res))


if __name__ == "__main__":
    main()
