#!/usr/bin/env python3
"""Trainyard's training example: a small numpy MLP on synthetic data, seeded.

Environment (validated; a bad value exits with code 2 and says why):
  EPOCHS          epochs to train to, 1..10000                   (default 5)
  BATCH_SIZE      mini-batch size, 1..4096                       (default 32)
  LEARNING_RATE   SGD step, a number in (0, 10]                  (default 0.1)
  SEED            seed of the data and the initial weights, >= 0 (default 0)
  EPOCH_SECONDS   seconds to sleep after each epoch's line, a number in [0, 3600]
                  (makes a run long enough to interrupt)         (default 0)
  TRAINYARD_CHECKPOINT_DIR
                  set by Trainyard for a task with spec.checkpoint: checkpoints go straight
                  into this directory (created if missing), which the agent saves to the
                  object store and restores before a later attempt, on any host. When set,
                  CHECKPOINT_DIR and RUN_ID are ignored.
  CHECKPOINT_DIR  where checkpoints go, when that directory exists
                  (a mounted volume)                             (default /checkpoints)
  RUN_ID          the run's sub-directory of CHECKPOINT_DIR, [A-Za-z0-9_.-]
                  (default: $TRAINYARD_TASK_ID, else "local")

Prints one line per epoch (`epoch 3/5 loss=0.4120 acc=0.843`), flushed at once so the log
streams live. The checkpoint directory is TRAINYARD_CHECKPOINT_DIR when that is set, else
CHECKPOINT_DIR/RUN_ID when CHECKPOINT_DIR exists, else there is none and nothing is saved. It
writes model.npz (weights, epoch) and checkpoint.json ({"epoch", "loss", "acc"}) there after
every epoch, atomically (temp file + rename), and resumes from them when they are there,
printing `resumed from epoch N (checkpoint in DIR)`: a retried attempt of the same task
continues where the last one stopped (with TRAINYARD_CHECKPOINT_DIR on any host; with a volume,
through the same TRAINYARD_TASK_ID, on the volume's host); a new task on a volume starts afresh
unless it sets RUN_ID to the earlier run's. A model.npz it cannot use is reported on stderr and
training starts afresh. Exit code 0 when done, 1 when the loss is not finite, 2 on a bad setting.
"""
import json
import os
import re
import sys
import time

import numpy as np

N_SAMPLES = 4096
N_FEATURES = 8
HIDDEN = 32


def fail(msg):
    print(f"train.py: {msg}", file=sys.stderr, flush=True)
    sys.exit(2)


def env_int(name, default, lo, hi):
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    try:
        v = int(raw)
    except ValueError:
        fail(f"{name}={raw!r} is not an integer")
    if not lo <= v <= hi:
        fail(f"{name}={v} must be between {lo} and {hi}")
    return v


def env_number(name):
    """The variable as a float; None when unset or blank."""
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        fail(f"{name}={raw!r} is not a number")


def env_float(name, default, lo, hi):
    v = env_number(name)
    if v is None:
        return default
    if not (lo < v <= hi):
        fail(f"{name}={os.environ[name].strip()} must be above {lo} and at most {hi}")
    return v


def env_seconds(name, default, hi):
    v = env_number(name)
    if v is None:
        return default
    if not (0 <= v <= hi):  # also refuses nan and inf
        fail(f"{name}={os.environ[name].strip()} must be between 0 and {hi}")
    return v


def make_data(rng):
    """Two classes separated by a curved boundary: a linear model cannot fit it, the MLP can."""
    x = rng.normal(size=(N_SAMPLES, N_FEATURES))
    y = ((x[:, 0] ** 2 + x[:, 1] ** 2 + 0.5 * x[:, 2] - 1.4) > 0).astype(np.float64)
    return x, y


def init_params(rng):
    return {
        "w1": rng.normal(scale=1 / np.sqrt(N_FEATURES), size=(N_FEATURES, HIDDEN)),
        "b1": np.zeros(HIDDEN),
        "w2": rng.normal(scale=1 / np.sqrt(HIDDEN), size=(HIDDEN, 1)),
        "b2": np.zeros(1),
    }


def forward(p, x):
    h = np.tanh(x @ p["w1"] + p["b1"])
    z = (h @ p["w2"] + p["b2"])[:, 0]
    return h, 1 / (1 + np.exp(-np.clip(z, -30, 30)))


def loss_acc(p, x, y):
    _, prob = forward(p, x)
    eps = 1e-9
    loss = -np.mean(y * np.log(prob + eps) + (1 - y) * np.log(1 - prob + eps))
    return float(loss), float(np.mean((prob > 0.5) == (y > 0.5)))


def sgd_step(p, x, y, lr):
    h, prob = forward(p, x)
    dz = (prob - y)[:, None] / len(y)
    dh = (dz @ p["w2"].T) * (1 - h**2)
    p["w2"] -= lr * (h.T @ dz)
    p["b2"] -= lr * dz.sum(axis=0)
    p["w1"] -= lr * (x.T @ dh)
    p["b1"] -= lr * dh.sum(axis=0)


def load_checkpoint(ckdir, fresh):
    """(params, epoch) from ckdir/model.npz; (None, 0) when there is none or it does not fit."""
    path = os.path.join(ckdir, "model.npz")
    if not os.path.exists(path):
        return None, 0
    try:
        with np.load(path) as z:
            params = {k: np.array(z[k], dtype=np.float64) for k in fresh}
            epoch = int(z["epoch"])
    except Exception as e:  # truncated, or not ours: say so and train afresh rather than fail every retry
        print(f"train.py: cannot read {path} ({type(e).__name__}: {e}); starting afresh", file=sys.stderr, flush=True)
        return None, 0
    if any(params[k].shape != fresh[k].shape for k in fresh) or epoch < 0:
        print(f"train.py: {path} does not fit this model; starting afresh", file=sys.stderr, flush=True)
        return None, 0
    return params, epoch


def save_checkpoint(ckdir, params, epoch, loss, acc):
    tmp = os.path.join(ckdir, ".model.tmp.npz")
    np.savez(tmp, epoch=epoch, **params)
    os.replace(tmp, os.path.join(ckdir, "model.npz"))
    tmp = os.path.join(ckdir, ".checkpoint.json.tmp")
    with open(tmp, "w") as f:
        json.dump({"epoch": epoch, "loss": round(loss, 6), "acc": round(acc, 6)}, f)
        f.write("\n")
    os.replace(tmp, os.path.join(ckdir, "checkpoint.json"))


def main():
    epochs = env_int("EPOCHS", 5, 1, 10_000)
    batch = env_int("BATCH_SIZE", 32, 1, 4096)
    lr = env_float("LEARNING_RATE", 0.1, 0.0, 10.0)
    seed = env_int("SEED", 0, 0, 2**32 - 1)
    epoch_seconds = env_seconds("EPOCH_SECONDS", 0.0, 3600)
    platform_dir = os.environ.get("TRAINYARD_CHECKPOINT_DIR", "")
    if platform_dir:
        # The task's spec.checkpoint directory: the agent saves it and restores it on a retry.
        root = ckdir = platform_dir
        checkpointing = True
        try:
            os.makedirs(ckdir, exist_ok=True)
        except OSError as e:
            fail(f"TRAINYARD_CHECKPOINT_DIR={platform_dir!r}: cannot create it ({e.strerror})")
    else:
        root = os.environ.get("CHECKPOINT_DIR", "/checkpoints")
        run_id = os.environ.get("RUN_ID", "").strip() or os.environ.get("TRAINYARD_TASK_ID", "") or "local"
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,128}", run_id) or run_id in (".", ".."):
            fail(f"RUN_ID={run_id!r} must be 1 to 128 of A-Z a-z 0-9 _ . - (not . or ..)")
        checkpointing = os.path.isdir(root)
        ckdir = os.path.join(root, run_id)
        if checkpointing:
            os.makedirs(ckdir, exist_ok=True)

    task = os.environ.get("TRAINYARD_TASK_ID", "-")
    attempt = os.environ.get("TRAINYARD_ATTEMPT", "-")
    print(
        f"training a {N_FEATURES}-{HIDDEN}-1 MLP on {N_SAMPLES} synthetic samples: epochs={epochs} "
        f"batch_size={batch} learning_rate={lr} seed={seed} (task {task}, attempt {attempt})",
        flush=True,
    )
    x, y = make_data(np.random.default_rng(seed))
    params, done = init_params(np.random.default_rng(seed + 1)), 0
    if not checkpointing:
        print(f"no checkpoint directory {root}: not saving checkpoints", flush=True)
    else:
        saved, saved_epoch = load_checkpoint(ckdir, params)
        if saved is not None:
            params, done = saved, min(saved_epoch, epochs)
            print(f"resumed from epoch {saved_epoch} (checkpoint in {ckdir})", flush=True)

    loss, acc = loss_acc(params, x, y)
    for epoch in range(done + 1, epochs + 1):
        t0 = time.monotonic()
        order = np.random.default_rng(seed * 100_003 + epoch).permutation(N_SAMPLES)
        for i in range(0, N_SAMPLES, batch):
            idx = order[i : i + batch]
            sgd_step(params, x[idx], y[idx], lr)
        loss, acc = loss_acc(params, x, y)
        if not np.isfinite(loss):
            print(f"epoch {epoch}/{epochs}: loss is not finite; try a smaller LEARNING_RATE", file=sys.stderr, flush=True)
            return 1
        if checkpointing:
            save_checkpoint(ckdir, params, epoch, loss, acc)
        print(f"epoch {epoch}/{epochs} loss={loss:.4f} acc={acc:.3f} ({time.monotonic() - t0:.2f}s)", flush=True)
        if epoch_seconds > 0:
            time.sleep(epoch_seconds)

    where = f"; checkpoint in {ckdir}/model.npz" if checkpointing else ""
    print(f"done: loss={loss:.4f} acc={acc:.3f}{where}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
