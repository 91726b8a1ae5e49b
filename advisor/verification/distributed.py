"""Distributed search on keras-tuner's own chief/worker protocol.

keras-tuner distributes a search through three environment variables
(``KERASTUNER_TUNER_ID``, ``KERASTUNER_ORACLE_IP``, ``KERASTUNER_ORACLE_PORT``): the
chief serves its oracle over gRPC (``keras_tuner/src/distribute/oracle_chief.py``) and
every worker's tuner asks it for trials through ``OracleClient``. Here:

- ``advisor analyze ... --workers N`` is the chief: it serves the oracle with
  keras-tuner's own servicer and starts N local workers;
- ``advisor worker --chief HOST:PORT`` is a worker, on this machine or another one.

The oracle protocol has no authentication, so the chief binds to 127.0.0.1 unless
``--bind`` says otherwise; anyone who can reach the port can join, and read the job.
The job (the series, its split, the seed, the objective, the deadline) travels inside
the search space as a Fixed hyperparameter under a switch that is never on, so a
worker needs only the chief's address. A series too large for one gRPC message stays
out of the job and workers read the same CSV themselves (its SHA-256 is checked).

Environment variables are read only when distributed mode is asked for: a stray
``KERASTUNER_*`` left in the shell never turns a plain search into a worker.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from advisor.core.errors import AdvisorInputError
from advisor.core.records import Settings, Split
from advisor.verification.tuner_env import ENV_NAMES, distribution_env

DEFAULT_BIND = "127.0.0.1"
JOB_VERSION = 1
# gRPC refuses messages over 4 MiB by default and the space travels in one; a series
# whose job would pass half of that stays out of it (workers then read the CSV).
MAX_EMBEDDED_BYTES = 2 * 1024 * 1024
# A worker started before its chief waits this long for it to come up (--wait) ...
JOIN_TIMEOUT_S = 120
# ... and once joined, a chief silent this long has finished or died.
CALL_TIMEOUT_S = 120
POLL_S = 0.2
# Trainings stop at the deadline between epochs; a trial still running this long after
# it is left to a rerun (the oracle queues it again) rather than waited for.
GRACE_S = 60
# keras-tuner's own chief serves with one thread; the oracle is locked anyway, a few
# threads only keep a slow proposal from holding up another worker's report.
SERVER_THREADS = 4
WORKER_EXIT_WAIT_S = 30


def parse_address(text: str, flag: str = "--chief") -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise AdvisorInputError(
            f"{flag} {text}", "not a HOST:PORT address", None, "write it like 10.0.0.5:8470"
        )
    return host.strip("[]"), int(port)


# ------------------------------------------------------------------------------- job


@dataclass(frozen=True)
class Job:
    """What a worker needs to train trials exactly as the chief would."""

    sha256: str
    data_name: str
    settings: dict[str, Any]
    split: Split
    horizon: int
    seed: int
    objective: str
    deadline_unix: float
    shape: tuple[int, int]
    values: str | None
    """The series (float64, zlib, base64), or ``None``: workers read the CSV."""
    version: int = JOB_VERSION

    def to_text(self) -> str:
        record = asdict(self)
        return json.dumps(record, sort_keys=True)

    @classmethod
    def from_text(cls, text: str) -> Job:
        record = json.loads(text)
        if record.get("version") != JOB_VERSION:
            raise AdvisorInputError(
                "--chief",
                f"the chief speaks job version {record.get('version')}, this worker {JOB_VERSION}",
                None,
                "run the same advisor version on the chief and the workers",
            )
        record["split"] = Split(**record["split"])
        record["shape"] = tuple(record["shape"])
        return cls(**record)

    def series(self) -> np.ndarray | None:
        if self.values is None:
            return None
        raw = zlib.decompress(base64.b64decode(self.values))
        return np.frombuffer(raw, dtype=np.float64).reshape(self.shape).copy()


def make_job(
    values: np.ndarray,
    split: Split,
    horizon: int,
    sha256: str,
    data_name: str,
    settings: Settings,
    objective: str,
    deadline: float,
) -> Job:
    array = np.ascontiguousarray(values, dtype=np.float64)
    packed = base64.b64encode(zlib.compress(array.tobytes(), 6)).decode("ascii")
    return Job(
        sha256=sha256,
        data_name=data_name,
        settings=asdict(settings),
        split=split,
        horizon=horizon,
        seed=settings.seed,
        objective=objective,
        deadline_unix=time.time() + (deadline - time.monotonic()),
        shape=(int(array.shape[0]), int(array.shape[1])),
        values=packed if len(packed) <= MAX_EMBEDDED_BYTES else None,
    )


def job_from_space(hp: Any) -> Job:
    from advisor.verification.space import JOB

    for p in hp.space:
        if p.name == JOB:
            return Job.from_text(str(p.value))
    raise AdvisorInputError(
        "--chief",
        "the oracle there is not an advisor chief (its search space carries no job)",
        None,
        "point --chief at the address `advisor analyze --workers` prints",
    )


# ----------------------------------------------------------------------------- chief


@dataclass(frozen=True)
class DistributedOptions:
    """``--workers``, ``--bind``, ``--port``: how the chief serves its oracle."""

    workers: int = 0
    bind: str = DEFAULT_BIND
    port: int = 0
    """0: any free port (the chief says which)."""


class Chief:
    """Serves the search's oracle to workers, and starts the local ones."""

    def __init__(
        self,
        job: Job,
        options: DistributedOptions,
        data_path: str | None,
        state_dir: Path,
        announce: Callable[[str], None] | None = None,
    ):
        self.job = job.to_text()
        self._job = job
        self.options = options
        self.workers = options.workers
        self.data_path = data_path
        self.state_dir = state_dir
        self.announce = announce or (lambda _msg: None)
        self.address: str | None = None

    def _listen(self, oracle: Any) -> tuple[Any, Any, int]:
        from concurrent import futures

        import grpc
        from keras_tuner.src import protos
        from keras_tuner.src.distribute.oracle_chief import OracleServicer

        server = grpc.server(futures.ThreadPoolExecutor(max_workers=SERVER_THREADS))
        servicer = OracleServicer(oracle)
        protos.get_service_grpc().add_OracleServicer_to_server(servicer, server)
        bind = self.options.bind
        host = f"[{bind}]" if ":" in bind else bind
        try:
            port = server.add_insecure_port(f"{host}:{self.options.port}")
        except RuntimeError:
            port = 0
        if not port:
            raise AdvisorInputError(
                f"--bind {bind} --port {self.options.port}",
                "the chief cannot listen there",
                None,
                "choose a free --port, or an address of this machine for --bind",
            )
        server.start()
        return server, servicer, port

    def _spawn(self, index: int, port: int) -> tuple[subprocess.Popen[bytes], Path]:
        local = "127.0.0.1" if self.options.bind in ("0.0.0.0", "::", "") else self.options.bind
        cmd = [
            sys.executable,
            "-m",
            "advisor",
            "worker",
            "--chief",
            f"{local}:{port}" if ":" not in local else f"[{local}]:{port}",
            "--id",
            f"worker-{index}",
            "--parent-pid",
            str(os.getpid()),
            "--cache",
            str(self.state_dir / "runs"),
        ]
        if self._job.values is None and self.data_path:
            cmd.append(self.data_path)
        env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
        log_path = self.state_dir / "workers" / f"worker-{index}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        return proc, log_path

    def serve(self, oracle: Any, deadline: float) -> tuple[str, ...]:
        """Serve until the search is over; returns notes on what went wrong, if anything."""
        server, servicer, port = self._listen(oracle)
        self.address = f"{self.options.bind}:{port}"
        self.announce(f"oracle at {self.address}; join with: advisor worker --chief HOST:{port}")
        procs: list[tuple[subprocess.Popen[bytes], Path]] = []
        notes: list[str] = [
            f"The search was served at {self.address} to {self.options.workers} local "
            "worker(s) and any that joined with `advisor worker`."
        ]
        try:
            procs = [self._spawn(i, port) for i in range(self.options.workers)]
            while True:
                time.sleep(POLL_S)
                now = time.monotonic()
                ongoing = bool(oracle.ongoing_trials)
                local_done = bool(procs) and all(p.poll() is not None for p, _ in procs)
                if not ongoing and (servicer.stop_triggered or now >= deadline):
                    if not procs or local_done or now >= deadline + WORKER_EXIT_WAIT_S:
                        break
                elif local_done and not ongoing:
                    break
                elif local_done and ongoing:
                    notes.append(
                        "every local worker ended while a trial was still running; "
                        "a rerun trains it again"
                    )
                    break
                elif now >= deadline + GRACE_S:
                    notes.append(
                        f"{len(oracle.ongoing_trials)} trial(s) still running past the time "
                        "budget were left for a rerun"
                    )
                    break
        finally:
            _stop(procs)
            server.stop(grace=1).wait()
        for i, (proc, log) in enumerate(procs):
            if proc.returncode not in (0, None, -signal.SIGTERM):
                notes.append(f"worker-{i} exited with code {proc.returncode} (log: {log})")
        completed = sum(t.status == "COMPLETED" for t in oracle.trials.values())
        if procs and completed == 0 and all(p.returncode not in (0,) for p, _ in procs):
            tail = _tail(procs[0][1])
            raise RuntimeError(f"every local worker failed; last lines of worker-0's log:\n{tail}")
        return tuple(notes)


def _stop(procs: list[tuple[subprocess.Popen[bytes], Path]]) -> None:
    for proc, _ in procs:
        if proc.poll() is None:
            proc.terminate()
    end = time.monotonic() + 10
    for proc, _ in procs:
        try:
            proc.wait(timeout=max(0.1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# ---------------------------------------------------------------------------- worker


def _die_with_parent(parent_pid: int) -> None:
    """A local worker ends with its chief, even one killed with -9 (Linux only)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent_pid:
        sys.exit(0)


def _worker_series(job: Job, data: Path | None) -> np.ndarray:
    values = job.series()
    if values is not None:
        return values
    if data is None:
        raise AdvisorInputError(
            "advisor worker",
            f"the chief's series ({job.shape[0]} rows) is too large to send",
            None,
            f"pass the same CSV the chief analyses ({job.data_name}) as DATA",
        )
    from advisor.intake import read_series

    series = read_series(data, Settings(**job.settings))
    if series.sha256 != job.sha256:
        raise AdvisorInputError(
            str(data),
            "not the file the chief is analysing (its SHA-256 differs)",
            None,
            f"pass the same file as the chief ({job.data_name})",
        )
    return series.frame.to_numpy(dtype=float)


def run_worker(
    chief: str,
    tuner_id: str | None = None,
    data: Path | None = None,
    parent_pid: int | None = None,
    cache: Path | None = None,
    wait_s: float = JOIN_TIMEOUT_S,
) -> str:
    """Join a chief and train trials until it says stop; returns how it ended."""
    import grpc

    from advisor.verification.objective import FORECAST_OBJECTIVES
    from advisor.verification.space import keras_tuner
    from advisor.verification.tuner import make_tuner_class

    host, port = parse_address(chief)
    if parent_pid is not None:
        _die_with_parent(parent_pid)
    name = tuner_id or f"worker-{socket.gethostname()}-{os.getpid()}"
    kt = keras_tuner()
    from keras_tuner.src.distribute import oracle_client

    with distribution_env(name, host, port):
        oracle_client.TIMEOUT = wait_s
        try:
            space = oracle_client.OracleClient(None).get_space()
        except grpc.RpcError as exc:
            raise AdvisorInputError(
                f"--chief {chief}",
                f"no chief answered within {wait_s:g} s ({exc.code().name})",
                None,
                "check the address, and that `advisor analyze --workers` is running",
            ) from None
        oracle_client.TIMEOUT = CALL_TIMEOUT_S
        job = job_from_space(space)
        values = _worker_series(job, data)

        from advisor.diagnostics.cached import CachingTrainer
        from advisor.diagnostics.trainer import KerasTrainer, Trainer
        from advisor.store.rundir import RunCache

        trainer: Trainer = KerasTrainer(values, job.split, job.horizon)
        # The chief sends the precision its diagnostics chose, never "auto".
        precision = job.settings.get("precision", "float32")
        trainer.use_precision("bfloat16" if precision == "bfloat16" else "float32")
        if cache is not None:
            context = {"split": asdict(job.split), "horizon": job.horizon}
            trainer = CachingTrainer(trainer, RunCache(cache), context)
        objective = FORECAST_OBJECTIVES[job.objective]
        deadline = time.monotonic() + (job.deadline_unix - time.time())
        local = kt.oracles.RandomSearchOracle(
            objective=kt.Objective(objective.name, objective.direction),
            hyperparameters=space,
            max_trials=1,
            seed=1,
        )
        with tempfile.TemporaryDirectory(prefix="advisor-worker-") as tmp:
            tuner = make_tuner_class()(
                local, Path(tmp), "worker", trainer, objective, job.seed, deadline
            )
            try:
                tuner.search(verbose=0)
            except grpc.RpcError as exc:
                if exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                    return "the chief has finished"
                raise
    return "the chief said stop"
