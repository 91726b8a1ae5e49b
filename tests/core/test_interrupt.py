"""Ctrl-C during training: noted, then raised at a batch boundary, never dropped."""

from __future__ import annotations

import os
import signal
from dataclasses import replace

import numpy as np
import pytest
from support.search import SUGGESTION

from advisor.core import interrupt


@pytest.fixture
def sigint_handler():
    before = signal.getsignal(signal.SIGINT)
    interrupt.install()
    yield
    signal.signal(signal.SIGINT, before)
    interrupt._state.update(deferring=0, pending=False)


def test_outside_training_ctrl_c_raises_at_once(sigint_handler):
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):
            pass


def test_inside_training_ctrl_c_waits_for_the_next_check(sigint_handler):
    reached = []
    with pytest.raises(KeyboardInterrupt), interrupt.deferred():
        os.kill(os.getpid(), signal.SIGINT)
        reached.append("after the signal")  # not raised here: only noted
        interrupt.check()
        reached.append("after the check")
    assert reached == ["after the signal"]
    interrupt.check()  # consumed: nothing left pending


def test_a_second_ctrl_c_raises_at_once(sigint_handler):
    reached = []
    with pytest.raises(KeyboardInterrupt), interrupt.deferred():
        os.kill(os.getpid(), signal.SIGINT)
        reached.append("first noted")
        os.kill(os.getpid(), signal.SIGINT)
        reached.append("second ignored")
    assert reached == ["first noted"]


def test_a_keras_fit_stops_at_the_batch_after_the_ctrl_c(sigint_handler):
    import keras

    from advisor.diagnostics import model as lstm

    class CtrlCAtBatch3(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = 0

        def on_train_batch_begin(self, batch, logs=None):
            self.batches += 1
            if self.batches == 3:
                os.kill(os.getpid(), signal.SIGINT)

    y = np.sin(np.arange(200) / 3.0)
    prepared = lstm.prepare(y[:, None], fit_rows=150, scaling="standard", differencing=0)
    config = replace(SUGGESTION, lookback=6, batch_size=8, epochs=5, differencing=0)
    probe = CtrlCAtBatch3()
    with pytest.raises(KeyboardInterrupt):
        lstm.fit(config, prepared, np.arange(6, 149), None, 1, seed=0, extra_callbacks=[probe])
    assert probe.batches == 3  # stopped at the batch boundary the signal came at
