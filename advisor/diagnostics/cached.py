"""A trainer that answers a training it has finished before from the run directory.

It wraps any ``Trainer`` (the Keras one, or a worker's), so the diagnostics, the search
and the cross-validation all resume without training the same thing twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from typing import Any

from advisor.core.records import DiagnosticRun, ModelConfig, Precision
from advisor.diagnostics.trainer import RunSpec, SweepCost, Trainer
from advisor.store.rundir import CACHE_VERSION, RunCache, key_of


class CachingTrainer(Trainer):
    """A trainer that answers a training it has finished before from the run directory.

    The key is what determines the result (configuration, data fraction, seed, split,
    horizon, precision), not the run's name: the cross-validation's fold on the search's own
    split reuses the search trial that trained the same configuration with that seed.
    Runs the time budget cut short are not kept: a rerun with more time redoes them.
    """

    def __init__(self, inner: Trainer, cache: RunCache, context: dict[str, Any]):
        self.inner = inner
        self.cache = cache
        self.context = context

    def key(self, spec: RunSpec) -> str:
        return key_of(
            {
                "version": CACHE_VERSION,
                "config": _config_key(spec.config),
                "train_fraction": spec.train_fraction,
                "seed": spec.seed,
                # Only where set, so keys of runs without a batch cap stay as they were.
                **({"max_batches": spec.max_batches} if spec.max_batches else {}),
                # Likewise only where not float32: a bfloat16 run is another result.
                **({"precision": self.precision} if self.precision != "float32" else {}),
                **self.context,
            },
            length=24,
        )

    def run(self, spec: RunSpec, deadline: float | None = None) -> DiagnosticRun:
        key = self.key(spec)
        cached = self.cache.get(key)
        if cached is not None:
            return replace(cached, name=spec.name)
        run = self.inner.run(spec, deadline)
        if run.stopped_reason != "budget":
            self.cache.put(key, run)
        return run

    def run_sweep(
        self, specs: Sequence[RunSpec], deadline: float | None = None
    ) -> list[DiagnosticRun]:
        """A sweep trains its widths together: answered from the cache only when every
        width is there, else trained as one (fusing costs the same for one or all)."""
        keys = [self.key(spec) for spec in specs]
        cached = [self.cache.get(key) for key in keys]
        if all(run is not None for run in cached):
            return [replace(run, name=s.name) for run, s in zip(cached, specs, strict=True) if run]
        runs = self.inner.run_sweep(specs, deadline)
        for key, run in zip(keys, runs, strict=True):
            if run.stopped_reason != "budget":
                self.cache.put(key, run)
        return runs

    def sweep_cost(self, specs: Sequence[RunSpec]) -> SweepCost | None:
        return self.inner.sweep_cost(specs)

    @property
    def precision(self) -> Precision:
        return self.inner.precision

    def use_precision(self, precision: Precision) -> None:
        self.inner.use_precision(precision)

    def bf16_capable(self) -> bool:
        return self.inner.bf16_capable()

    @contextmanager
    def precision_scope(self) -> Iterator[None]:
        with self.inner.precision_scope():
            yield


def _config_key(config: ModelConfig) -> dict[str, Any]:
    """The configuration's fields; ``deseasonalize`` and ``log_target`` only where set,
    so the keys of runs recorded before they existed stay as they were."""
    fields = asdict(config)
    for name in ("deseasonalize", "log_target"):
        if not fields[name]:
            del fields[name]
    return fields
