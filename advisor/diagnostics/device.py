"""What the device Keras trains on can do, and the precision every model here trains in.

Asked of the active backend only where a training is about to run: ``keras`` comes from
``model`` (its thread setting first), and torch, for which Keras keeps no device list,
is asked directly. Nothing light imports this module.

Precision is process state, like the backend itself: Keras builds every layer under its
global dtype policy, so one setting reaches the diagnostic runs, the search's trials,
the cross-validation folds and the final training alike, with no model builder of its
own to thread it through. Heads and other outputs are built in float32 whatever the
policy (``model.OUTPUT_DTYPE``), so forecasts and losses keep full precision; only the LSTM
layers compute in bfloat16, with float32 weights.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from advisor.core.records import Precision
from advisor.diagnostics.model import keras

# Keras' policy for each: bfloat16 computes in bfloat16 and keeps float32 weights, so an
# optimizer's small updates are not rounded away (Keras' "mixed" policies).
POLICY: dict[Precision, str] = {"float32": "float32", "bfloat16": "mixed_bfloat16"}
# bfloat16 needs tensor cores that take it: NVIDIA's from compute capability 8.0 (Ampere).
MIN_BF16_CAPABILITY = (8, 0)


@functools.cache
def gpu_present() -> bool:
    """Whether the active Keras backend sees a GPU to train on, asked once per process:
    through Keras' own device list (TensorFlow, JAX), or torch's where Keras has none."""
    try:
        if keras.config.backend() == "torch":
            import torch

            return bool(torch.cuda.is_available())
        return bool(keras.distribution.list_devices("gpu"))
    except Exception:  # a backend that cannot say (JAX without a GPU raises) has none for us
        return False


@functools.cache
def bf16_capable() -> bool:
    """Whether the GPU Keras trains on computes in bfloat16 natively; False on a CPU,
    where bfloat16 is emulated (measured on 2 cores: one LSTM(32) epoch 1.5x longer under
    JAX, about as long under TensorFlow)."""
    if not gpu_present():
        return False
    try:
        return _capability() >= MIN_BF16_CAPABILITY
    except Exception:  # a device that cannot say is not assumed to have it
        return False


def _capability() -> tuple[int, int]:
    """The first GPU's compute capability, as (major, minor): asked of torch or JAX where
    one is the backend, else of the NVIDIA driver (the model code never imports
    TensorFlow itself, so TensorFlow's own device details are not asked)."""
    backend = keras.config.backend()
    if backend == "torch":
        import torch

        capability = torch.cuda.get_device_capability()
        return int(capability[0]), int(capability[1])
    if backend == "jax":
        import jax

        text = str(jax.devices("gpu")[0].compute_capability)
    else:
        import subprocess

        text = subprocess.run(
            ["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.splitlines()[0]
    major, minor = text.strip().split(".")[:2]
    return int(major), int(minor)


def current_precision() -> Precision:
    """The precision layers built now compute in."""
    name = keras.config.dtype_policy().name
    return "bfloat16" if name == POLICY["bfloat16"] else "float32"


def use_precision(precision: Precision) -> None:
    """Every layer built from now on computes in ``precision``."""
    keras.config.set_dtype_policy(POLICY[precision])


@contextmanager
def precision_scope() -> Iterator[None]:
    """Whatever precision is used inside, the policy found on entry is back on exit, so
    an analysis leaves a notebook's own setting as it was."""
    saved = keras.config.dtype_policy()
    try:
        yield
    finally:
        keras.config.set_dtype_policy(saved)
