"""Reading TensorBoard event files back, as TensorBoard's own loader does."""

from __future__ import annotations

from pathlib import Path


def scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    """Every scalar tag in ``folder``'s event files: its ``(step, value)`` points in order.

    The writers (Keras' ``tf.summary`` and ``tensorboard.summary.Writer``) write scalars as
    tensor summaries, which ``EventAccumulator`` keeps under its ``tensors`` tags.
    """
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    acc = EventAccumulator(str(folder), size_guidance={"tensors": 0})
    acc.Reload()
    return {
        tag: [(e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)]
        for tag in acc.Tags()["tensors"]
    }
