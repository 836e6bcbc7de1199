"""Training-step time of the lab's reference BatchNormalization against Keras's.

The same deep MLP (``build_model`` of the batch_norm lab: Dense without bias,
Batch Norm, ReLU, six hidden layers) is built twice, once with the reference
layer from ``solutions/batch_norm/`` and once with ``keras.layers.BatchNormalization``.
Their training steps (``train_on_batch``, which waits for the result) are timed
alternately, in one run, after a warm-up, with and without ``jit_compile``; the
table gives medians. The backend is whatever ``KERAS_BACKEND`` says, so the
same script runs on a GPU machine.

    python benchmarks/batchnorm_speed.py [--steps 200] [--batch 256] [--width 256]

The last line is ``ratio <reference / built-in>``: the larger of the two
modes' median ratios (the claim is that the reference is within 1.2x).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]


def build_pair(width: int, depth: int):
    """The same MLP with the reference layer and with the built-in one."""
    from autograder.engine import course
    from autograder.labs import get_lab
    from autograder.labs.batch_norm import library

    lab = get_lab("batch_norm")
    reference = course.reference_namespace(ROOT, lab.name, tuple(a.grade_id for a in lab.answers))
    hidden = (width,) * depth
    return {
        "reference": lambda: reference["build_model"](64, 10, hidden_units=hidden),
        "built-in": lambda: library.namespace()["build_model"](64, 10, hidden_units=hidden),
    }


def time_steps(makers, jit: bool, steps: int, warmup: int, batch: int) -> dict[str, list[float]]:
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, 64)).astype("float32")
    y = rng.integers(0, 10, size=batch)
    models = {}
    for name, make in makers.items():
        keras.utils.set_random_seed(0)
        model = make()
        model.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy", jit_compile=jit)
        for _ in range(warmup):
            model.train_on_batch(x, y)
        models[name] = model
    times = {name: [] for name in models}
    names = list(models)
    for step in range(steps):
        for name in names if step % 2 == 0 else names[::-1]:  # alternate who goes first
            start = time.perf_counter()
            models[name].train_on_batch(x, y)
            times[name].append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps per model and mode (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps first (default 20)")
    parser.add_argument("--batch", type=int, default=256, help="mini-batch size (default 256)")
    parser.add_argument("--width", type=int, default=256, help="units per hidden layer (default 256)")
    parser.add_argument("--depth", type=int, default=6, help="hidden layers (default 6)")
    args = parser.parse_args(argv)

    import keras

    from autograder.engine import environment

    print(environment.prepare(seed=0))
    print(
        f"MLP 64 -> {args.depth} x {args.width} (Dense, Batch Norm, ReLU) -> 10, batch {args.batch}, "
        f"{args.steps} timed steps after {args.warmup} warm-up steps, alternating"
    )
    makers = build_pair(args.width, args.depth)
    rows, ratios = [], []
    for jit in (False, True):
        times = time_steps(makers, jit, args.steps, args.warmup, args.batch)
        medians = {name: statistics.median(t) * 1e3 for name, t in times.items()}
        ratio = medians["reference"] / medians["built-in"]
        ratios.append(ratio)
        rows.append((f"jit_compile={jit}", medians["reference"], medians["built-in"], ratio))
    print(f"\n{'mode':<18}{'reference ms/step':>20}{'built-in ms/step':>20}{'ratio':>8}")
    for mode, ref, builtin, ratio in rows:
        print(f"{mode:<18}{ref:>20.3f}{builtin:>20.3f}{ratio:>8.3f}")
    print(f"(backend {keras.backend.backend()}, Keras {keras.__version__}, Python {sys.version.split()[0]})")
    print(f"ratio {max(ratios):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
