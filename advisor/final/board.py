"""TensorBoard logs of a training, under every Keras backend.

Keras' own ``keras.callbacks.TensorBoard`` writes through ``tensorflow.summary``, so with
JAX or PyTorch as backend and no TensorFlow installed it cannot run. This callback writes
the same scalars, in the same layout (``train/`` and ``validation/``, tags
``epoch_<metric>``, one step per epoch), with the ``tensorboard`` package's own writer
(``advisor.store.events``), whatever the backend. Each epoch is flushed to disk as it
ends, so a Ctrl-C or a kill loses nothing that was written; the writers close at the
end of the training, and ``close`` closes them where a training never got there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advisor.store.events import RunLog, unavailable


def learning_rate(model: Any) -> float | None:
    """The optimizer's current learning rate, as Keras' callback logs it; ``None`` where
    there is none to read."""
    optimizer = getattr(model, "optimizer", None)
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # loss scaling wraps it
    rate = getattr(optimizer, "learning_rate", None)
    if rate is None:
        return None
    import keras

    try:
        return float(keras.ops.convert_to_numpy(rate))
    except (TypeError, ValueError):
        return None


def tensorboard_callback(log_dir: Path) -> tuple[Any | None, str | None]:
    """A Keras callback writing each epoch's logs under ``log_dir``; else ``None`` and
    why not (the ``tensorboard`` package is missing), in one line."""
    why_not = unavailable()
    if why_not:
        return None, why_not
    import keras

    class Board(keras.callbacks.Callback):
        def __init__(self, log: RunLog) -> None:
            super().__init__()
            self.log = log

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            values = dict(logs or {})
            if "learning_rate" not in values:
                rate = learning_rate(self.model)
                if rate is not None:
                    values["learning_rate"] = rate
            self.log.write(values, epoch)
            self.log.flush()

        def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
            self.log.close()

        def close(self) -> None:
            self.log.close()

    return Board(RunLog(log_dir)), None


__all__ = ["learning_rate", "tensorboard_callback"]
