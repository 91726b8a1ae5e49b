"""How much faster the fused capacity sweep is than training the widths one after another.

Trains the same widths on the same seeded windows three ways, in the same process,
interleaved (fused, then one-after-another, the order alternating between repeats) so
that a change in machine load hits all of them alike:

- ``fused``: one ``sweep.Sweep`` holding every width (what the advisor runs);
- ``sequential``: one single-width ``sweep.Sweep`` per width, one after another (the
  same data pipeline and training step, so only the fusion differs);
- ``sequential-plain``: one plain ``model.build_model`` model per width trained with
  ``model.fit`` on ``WindowDataset`` (what ``KerasTrainer.run`` does for one run).

Reported per way: seconds per epoch after the first (the first builds and traces the
model) summed over the widths, the same in process CPU seconds, and wall seconds of the
whole training including building and tracing; min / median / max over the repeats, the
ratio of medians to ``fused`` and the ratio of the fastest repeats. On a shared machine
the fused model suffers most from other load: on two free cores it runs its layers in
parallel, which one-width models cannot, and a busy core takes that away; the fastest
repeat is the best estimate of a quiet machine. The
target (issue "Diagnostic trainings and learning-curve diagnosis"): at least 2x per epoch
for 5 widths on 2 CPU cores.

Usage::

    python benchmarks/fused_sweep.py [--widths 8,16,32,64,128] [--windows 2000]
        [--lookback 24] [--batch 32] [--epochs 3] [--repeats 3] [--seed 0]

Not a test: timings depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

TARGET_RATIO = 2.0


def series(rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(rows)
    return 10 + np.sin(2 * np.pi * t / 24) + 0.3 * rng.normal(size=rows)


class _Clock:
    """Seconds of each epoch (a Keras callback, built once Keras is imported)."""

    def __new__(cls):  # type: ignore[no-untyped-def]
        import keras

        class Clock(keras.callbacks.Callback):
            def __init__(self) -> None:
                super().__init__()
                self.epochs: list[float] = []
                self.cpu: list[float] = []

            def on_epoch_begin(self, epoch, logs=None):  # type: ignore[no-untyped-def]
                self._t, self._c = time.perf_counter(), time.process_time()

            def on_epoch_end(self, epoch, logs=None):  # type: ignore[no-untyped-def]
                self.epochs.append(time.perf_counter() - self._t)
                self.cpu.append(time.process_time() - self._c)

        return Clock()


def run_sweep(widths, config, prepared, train_ts, val_ts, epochs, seed):  # type: ignore[no-untyped-def]
    """One Sweep model of ``widths``: steady seconds per epoch (wall, CPU), wall seconds."""
    from advisor.diagnostics.sweep import Sweep

    start = time.perf_counter()
    sweep = Sweep(config, widths, 1, 1, seed)
    clock = _Clock()
    sweep._fit(prepared, train_ts, val_ts, epochs, None, [clock])
    steady = statistics.mean(clock.epochs[1:]), statistics.mean(clock.cpu[1:])
    return steady, time.perf_counter() - start


def run_plain(width, config, prepared, train_ts, val_ts, epochs, seed):  # type: ignore[no-untyped-def]
    import keras

    from advisor.diagnostics import model as lstm
    from advisor.diagnostics.probe import with_units

    start = time.perf_counter()
    keras.utils.set_random_seed(seed)
    cfg = with_units(config, width)
    model = lstm.build_model(cfg, 1, 1)
    clock = _Clock()
    model.fit(
        lstm.WindowDataset(prepared, train_ts, cfg.lookback, 1, cfg.batch_size, True, seed),
        validation_data=lstm.WindowDataset(prepared, val_ts, cfg.lookback, 1, len(val_ts)),
        epochs=epochs,
        verbose=0,
        callbacks=[clock],
    )
    steady = statistics.mean(clock.epochs[1:]), statistics.mean(clock.cpu[1:])
    return steady, time.perf_counter() - start


def summary(values: list[float]) -> dict[str, float]:
    return {
        "min": round(min(values), 3),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", default="8,16,32,64,128")
    parser.add_argument("--windows", type=int, default=2000)
    parser.add_argument("--lookback", type=int, default=24)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument(
        "--epochs", type=int, default=3, help="per training; the first is not timed"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    widths = tuple(int(w) for w in args.widths.split(","))

    from advisor.core.records import LayerConfig, ModelConfig
    from advisor.diagnostics.model import prepare

    config = ModelConfig(
        lookback=args.lookback,
        layers=(LayerConfig(widths[0], 0.0, 0.0),),
        l2=0.0,
        learning_rate=1e-3,
        batch_size=args.batch,
        epochs=args.epochs,
        early_stopping_patience=args.epochs,
        scaling="standard",
        differencing=0,
    )
    val_windows = max(100, args.windows // 5)
    rows = args.lookback + args.windows + val_windows + 1
    y = series(rows, args.seed)
    fit_rows = args.lookback + args.windows
    prepared = prepare(y[:, None], fit_rows, "standard", 0)
    train_ts = np.arange(args.lookback, fit_rows)
    val_ts = np.arange(fit_rows, fit_rows + val_windows)
    data = (prepared, train_ts, val_ts, args.epochs, args.seed)

    epoch: dict[str, list[float]] = {"fused": [], "sequential": [], "sequential-plain": []}
    cpu: dict[str, list[float]] = {k: [] for k in epoch}
    wall: dict[str, list[float]] = {k: [] for k in epoch}

    def record(way: str, parts: list[tuple[tuple[float, float], float]]) -> None:
        epoch[way].append(sum(e for (e, _), _ in parts))
        cpu[way].append(sum(c for (_, c), _ in parts))
        wall[way].append(sum(w for _, w in parts))

    def fused() -> None:
        record("fused", [run_sweep(widths, config, *data)])

    def sequential() -> None:
        record("sequential", [run_sweep((width,), config, *data) for width in widths])
        record("sequential-plain", [run_plain(width, config, *data) for width in widths])

    for rep in range(args.repeats):
        order = (fused, sequential) if rep % 2 == 0 else (sequential, fused)
        for way in order:
            way()
        print(
            f"repeat {rep + 1}: s/epoch "
            + ", ".join(f"{k} {v[-1]:.2f}" for k, v in epoch.items())
            + " | wall "
            + ", ".join(f"{k} {v[-1]:.1f}" for k, v in wall.items()),
            flush=True,
        )

    result = {
        "widths": list(widths),
        "windows": args.windows,
        "lookback": args.lookback,
        "batch": args.batch,
        "epochs": args.epochs,
        "repeats": args.repeats,
        "seconds_per_epoch": {k: summary(v) for k, v in epoch.items()},
        "cpu_seconds_per_epoch": {k: summary(v) for k, v in cpu.items()},
        "wall_seconds": {k: summary(v) for k, v in wall.items()},
        "speedup_per_epoch": {
            k: round(statistics.median(v) / statistics.median(epoch["fused"]), 2)
            for k, v in epoch.items()
            if k != "fused"
        },
        "speedup_per_epoch_fastest": {
            k: round(min(v) / min(epoch["fused"]), 2) for k, v in epoch.items() if k != "fused"
        },
        "speedup_cpu_per_epoch": {
            k: round(statistics.median(v) / statistics.median(cpu["fused"]), 2)
            for k, v in cpu.items()
            if k != "fused"
        },
        "speedup_wall": {
            k: round(statistics.median(v) / statistics.median(wall["fused"]), 2)
            for k, v in wall.items()
            if k != "fused"
        },
    }
    print(json.dumps(result, indent=2))
    ratio = result["speedup_per_epoch"]["sequential"]
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"fused is {ratio}x faster per epoch: {verdict} the {TARGET_RATIO}x target")


if __name__ == "__main__":
    main()
