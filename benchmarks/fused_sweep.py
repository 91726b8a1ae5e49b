"""How the fused capacity sweep's epochs compare with training each width alone.

Trains the same widths on the same seeded windows, in the same process, interleaved
(fused, then one-after-another, the order alternating between repeats) so that a change
in machine load hits all of them alike:

- ``fused``: one ``sweep.Sweep`` holding every width (what the advisor runs), in the
  form ``--form`` names: ``block`` (every width in one block-diagonal LSTM), ``branches``
  (narrow widths share a layer, wide ones get their own), ``separate`` (every width a
  layer of its own; the advisor itself, in that form, trains each as a model of its own,
  which is the ``sequential`` way below), or ``auto``, the one ``sweep.sweep_form``
  picks for the device and backend (``block`` on a GPU, ``separate`` under JAX on a CPU);
- ``sequential``: one single-width ``sweep.Sweep`` per width, one after another (the
  same data pipeline and training step, so only the fusion differs); its widest width
  alone is also reported as ``widest-sweep``;
- ``sequential-plain``: one plain ``model.build_model`` model per width trained with
  Keras' ``model.fit`` on ``WindowDataset``, nothing else attached; its widest width
  alone is also reported as ``widest-plain``;
- ``torch-widest``, only where ``torch`` imports: the widest width as a raw PyTorch
  ``nn.LSTM`` and a linear head, Adam, a bare training loop over the same batches (on
  a GPU: cuDNN), reading its losses once an epoch: the floor the framework adds to.

Every way validates each epoch on the same windows (those the sweep validates on).
Reported per way: seconds per epoch after the first (the first builds and traces the
model), summed over the widths for ``fused`` and the one-after-another ways, the same
in process CPU seconds, and wall seconds of the whole training including building and
tracing; min / median / max over the repeats. Then the ratios, of medians and of the
fastest repeats:

- ``fused / widest alone``: the fused sweep against its widest width as a one-width
  sweep (issue "The sweep's form by device": within 1.2x on a GPU);
- ``one-width sweep / plain fit``: the sweep's machinery against Keras' own ``fit`` of
  the same model (no overhead: 1.0x);
- ``one-width sweep / raw torch``: against the bare loop (within 1.3x on a GPU);
- ``one by one / fused``: the fusion's speed-up (at least 2x for 5 widths on 2 CPU
  cores).

On a shared machine the fused model suffers most from other load: on two free cores it
runs its layers in parallel, which one-width models cannot, and a busy core takes that
away; the fastest repeat is the best estimate of a quiet machine.

Usage::

    python benchmarks/fused_sweep.py [--widths 8,16,32,64,128] [--windows 2000]
        [--lookback 24] [--batch 32] [--epochs 3] [--repeats 3] [--seed 0]
        [--form auto|block|branches|separate] [--precision float32|bfloat16]
        [--widest-only]

The issue's GPU case: ``--windows 100000 --lookback 64 --batch 256``, once with
``--form block`` and once with ``--form branches``. ``--widest-only`` leaves out the
one-by-one ways (most of the time a run takes), for the GPU's two ratios alone. ``--precision bfloat16`` builds every
Keras model under the advisor's bfloat16 policy (``device.use_precision``) and runs the
raw PyTorch loop under ``torch.autocast`` in bfloat16, the same split: bfloat16
arithmetic, float32 weights.

Not a test: timings depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import importlib.util
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


def run_sweep(widths, form, config, prepared, train_ts, val_ts, epochs, seed):  # type: ignore[no-untyped-def]
    """One Sweep model of ``widths``: steady seconds per epoch (wall, CPU), wall seconds."""
    from advisor.diagnostics.sweep import Sweep

    start = time.perf_counter()
    sweep = Sweep(config, widths, 1, 1, seed, form)
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


def run_torch(width, config, prepared, train_ts, val_ts, epochs, seed, bf16=False):  # type: ignore[no-untyped-def]
    """The widest width as a raw PyTorch LSTM: the same windows and batches (whole
    batches only, as the sweep's), Adam, one read of the losses an epoch; ``bf16``: its
    forward passes under autocast to bfloat16."""
    import contextlib

    import torch

    from advisor.diagnostics.model import WindowDataset

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    start = time.perf_counter()
    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(prepared.inputs.shape[1], width, batch_first=True).to(device)
    head = torch.nn.Linear(width, 1).to(device)
    optimizer = torch.optim.Adam([*lstm.parameters(), *head.parameters()], config.learning_rate)
    train = WindowDataset(prepared, train_ts, config.lookback, 1, config.batch_size, True, seed)
    batches = max(1, len(train_ts) // config.batch_size)
    val = WindowDataset(prepared, val_ts, config.lookback, 1, len(val_ts))[0]
    x_val, y_val = (torch.from_numpy(a).to(device) for a in val)

    def forward(x):  # type: ignore[no-untyped-def]
        cast = (
            torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
        )
        with cast:
            out, _ = lstm(x)
            return head(out[:, -1]).float()

    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(epochs):
        t, c = time.perf_counter(), time.process_time()
        total = torch.zeros((), device=device)
        for i in range(batches):
            x, y = (torch.from_numpy(a).to(device) for a in train[i])
            loss = torch.nn.functional.mse_loss(forward(x), y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach()
        train.on_epoch_end()
        with torch.no_grad():
            val_loss = torch.nn.functional.mse_loss(forward(x_val), y_val)
        float(total), float(val_loss)  # the epoch's one wait for the device
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    steady = statistics.mean(wall[1:]), statistics.mean(cpu[1:])
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
    parser.add_argument(
        "--form",
        choices=("auto", "block", "branches", "separate"),
        default="auto",
        help="the fused sweep's form; auto: by device, as the advisor picks it",
    )
    parser.add_argument(
        "--widest-only",
        action="store_true",
        help="skip training every width one by one: only the fused sweep, its widest width "
        "alone (a one-width sweep and a plain fit) and the raw PyTorch LSTM",
    )
    parser.add_argument(
        "--precision",
        choices=("float32", "bfloat16"),
        default="float32",
        help="what every way computes in (bfloat16: float32 weights)",
    )
    args = parser.parse_args()
    widths = tuple(int(w) for w in args.widths.split(","))
    widest = max(widths)

    from advisor.core.records import LayerConfig, ModelConfig
    from advisor.diagnostics import sweep
    from advisor.diagnostics.device import use_precision
    from advisor.diagnostics.model import prepare

    use_precision(args.precision)
    form = sweep.sweep_form() if args.form == "auto" else args.form
    device = "GPU" if sweep.gpu_present() else "CPU"
    groups = " | ".join("+".join(map(str, g)) for g in sweep.branch_groups(widths, form))
    print(f"device: {device}; fused form: {form} ({groups}); {args.precision}", flush=True)
    if form == "separate":
        print(
            "in this form the advisor trains each width as a model of its own: its sweep "
            "is the 'sequential' way; 'fused' holds the same layers in one model",
            flush=True,
        )
    with_torch = importlib.util.find_spec("torch") is not None
    if not with_torch:
        print("torch is not importable here: no raw PyTorch LSTM to compare with", flush=True)

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
    # The windows the sweep validates on, for every way alike.
    val_ts = sweep.even_subset(np.arange(fit_rows, fit_rows + val_windows), sweep.MAX_VAL_WINDOWS)
    data = (prepared, train_ts, val_ts, args.epochs, args.seed)

    one_by_one = [] if args.widest_only else ["sequential", "sequential-plain"]
    ways = ["fused", *one_by_one, "widest-sweep", "widest-plain"]
    ways += ["torch-widest"] if with_torch else []
    epoch: dict[str, list[float]] = {k: [] for k in ways}
    cpu: dict[str, list[float]] = {k: [] for k in ways}
    wall: dict[str, list[float]] = {k: [] for k in ways}

    def record(way: str, parts: list[tuple[tuple[float, float], float]]) -> None:
        epoch[way].append(sum(e for (e, _), _ in parts))
        cpu[way].append(sum(c for (_, c), _ in parts))
        wall[way].append(sum(w for _, w in parts))

    def fused() -> None:
        record("fused", [run_sweep(widths, form, config, *data)])

    def sequential() -> None:
        trained = (widest,) if args.widest_only else widths
        alone = {width: run_sweep((width,), form, config, *data) for width in trained}
        plain = {width: run_plain(width, config, *data) for width in trained}
        if one_by_one:
            record("sequential", list(alone.values()))
            record("sequential-plain", list(plain.values()))
        record("widest-sweep", [alone[widest]])
        record("widest-plain", [plain[widest]])
        if with_torch:
            bf16 = args.precision == "bfloat16"
            record("torch-widest", [run_torch(widest, config, *data, bf16=bf16)])

    for rep in range(args.repeats):
        order = (fused, sequential) if rep % 2 == 0 else (sequential, fused)
        for way in order:
            way()
        print(
            f"repeat {rep + 1}: s/epoch "
            + ", ".join(f"{k} {v[-1]:.3f}" for k, v in epoch.items())
            + " | wall "
            + ", ".join(f"{k} {v[-1]:.1f}" for k, v in wall.items()),
            flush=True,
        )

    def ratio(a: str, b: str) -> dict[str, float]:
        return {
            "median": round(statistics.median(epoch[a]) / statistics.median(epoch[b]), 2),
            "fastest": round(min(epoch[a]) / min(epoch[b]), 2),
        }

    ratios = {
        "fused / widest alone": ratio("fused", "widest-sweep"),
        "one-width sweep / plain fit": ratio("widest-sweep", "widest-plain"),
    }
    if one_by_one:
        ratios["one by one / fused"] = ratio("sequential", "fused")
        ratios["plain one by one / fused"] = ratio("sequential-plain", "fused")
    if with_torch:
        ratios["one-width sweep / raw torch"] = ratio("widest-sweep", "torch-widest")
    result = {
        "device": device,
        "form": form,
        "precision": args.precision,
        "widths": list(widths),
        "windows": args.windows,
        "lookback": args.lookback,
        "batch": args.batch,
        "epochs": args.epochs,
        "repeats": args.repeats,
        "seconds_per_epoch": {k: summary(v) for k, v in epoch.items()},
        "cpu_seconds_per_epoch": {k: summary(v) for k, v in cpu.items()},
        "wall_seconds": {k: summary(v) for k, v in wall.items()},
        "ratios_per_epoch": ratios,
    }
    print(json.dumps(result, indent=2))
    print(
        "seconds per epoch (median): "
        + ", ".join(f"{k} {statistics.median(v):.3f}" for k, v in epoch.items())
    )
    for name, r in ratios.items():
        print(f"{name}: {r['median']}x (fastest repeats {r['fastest']}x)")
    if one_by_one:
        speedup = ratios["one by one / fused"]["median"]
        verdict = "meets" if speedup >= TARGET_RATIO else "misses"
        print(
            f"fused is {speedup}x faster per epoch than one by one: "
            f"{verdict} the {TARGET_RATIO}x target"
        )


if __name__ == "__main__":
    main()
