"""One read measured for bench/scale.py, twice, each time in a process of its own (a fork of
the bench, after the tables are built, so both start from the same state and neither keeps
what the other built), the two side by side:
- untraced: its DynamoDB calls, read units and bytes (scale_moto.Meter), write units (Writes),
  wall and CPU time, and
  the CPU time moto spent answering it; from these, the Lambda's likely time: the reader's own
  CPU (the process's, moto's taken out) plus LATENCY a call, one after the other, except the
  calls of worker threads, IN_FLIGHT at a time (the report's journeys: READERS Queries). CPU
  time, not wall: the machine is shared, its load comes and goes. The Meter's sizing is taken
  out too (meter_s): it runs after each call, outside moto's answer, in the reader's thread
  (each item returned looked up in moto's table and sized again), bench work a Lambda never
  does; counted as the reader's, it was a third of the report's CPU outside moto at 1,000
  profiles (0.20 of 0.62 s), 46 % under a profile at 100,000.
- traced: its peak memory (what Python allocated at most, tracemalloc: it slows Python several
  times, so never in the timed run). The resident set cannot tell: the bench's own freed
  memory is reused by the read first. It includes moto's own copy of each page it answers (a
  few MB at most: 1 MB pages).
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time
import traceback
import tracemalloc
from collections.abc import Callable
from typing import Any

import boto3
from moto.core.botocore_stubber import BotocoreStubber
from scale_moto import Meter

from socialscore.aws import clients
from socialscore.report.journeys import READERS

LATENCY = 0.008  # s a DynamoDB call as a Lambda sees it (single-digit ms), as scale_attribution
# Calls made from worker threads wait side by side: the report's journeys READERS at a time.
IN_FLIGHT = READERS


class _InMoto:
    """CPU seconds spent inside moto's answers (its serving, not the reader's own work): moto
    answers in the calling thread, so that thread's CPU time across the call."""

    seconds = 0.0
    _lock = threading.Lock()  # the reader's worker threads add theirs too: none lost

    @classmethod
    def install(cls) -> None:
        if getattr(BotocoreStubber, "_scale_timed", False):
            return
        answer = BotocoreStubber.__call__

        def timed(self: BotocoreStubber, *args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            try:
                return answer(self, *args, **kwargs)
            finally:
                spent = time.thread_time() - started
                with cls._lock:
                    cls.seconds += spent

        setattr(BotocoreStubber, "__call__", timed)  # noqa: B010
        setattr(BotocoreStubber, "_scale_timed", True)  # noqa: B010


class Forked:
    """run() in a fork of this process, started now; result() waits for its figures (or raises
    its failure here)."""

    def __init__(self, run: Callable[[], Any]) -> None:
        gc.freeze()  # the tables stay out of the children's collections: fewer pages copied
        done, told = os.pipe()
        self._child = os.fork()
        if self._child == 0:  # pragma: no cover - the measuring process
            os.close(done)
            try:
                figures = run()
            except BaseException:  # told to the bench, which fails with it
                figures = {"error": traceback.format_exc()}
            with os.fdopen(told, "wb") as out:
                out.write(json.dumps(figures).encode())
            os._exit(0)
        os.close(told)
        self._answer = os.fdopen(done, "rb")

    def result(self) -> Any:
        with self._answer:
            found = json.loads(self._answer.read() or b'{"error": "no answer"}')
        os.waitpid(self._child, 0)
        if isinstance(found, dict) and "error" in found:
            raise RuntimeError(f"a measured read failed:\n{found['error']}")
        return found


class Writes:
    """The DynamoDB writes made meanwhile (the report function's rollup fold): calls and write
    units, an item under 1 KB each (a rollup item holds 18 counters: ~0.4 KB), 2 units an action
    of a transaction, 1 a plain write (docs.aws.amazon.com/amazondynamodb/latest/developerguide/
    transaction-apis.html#transaction-capacity-handling, read-write-operations.html)."""

    calls = 0
    units = 0

    @classmethod
    def install(cls) -> None:
        events = boto3.DEFAULT_SESSION.events  # the runtime's: the handlers' and the CLI's
        events.register("before-parameter-build.dynamodb", cls._asked, unique_id="scale-writes")
        clients.reset()  # a client copies its session's handlers when made

    @classmethod
    def _asked(cls, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "TransactWriteItems":
            cls.calls, cls.units = cls.calls + 1, cls.units + 2 * len(params["TransactItems"])
        elif model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            cls.calls, cls.units = cls.calls + 1, cls.units + 1
        elif model.name == "BatchWriteItem":
            cls.calls += 1
            cls.units += sum(len(r) for r in params["RequestItems"].values())


def measured(read: Callable[[], object], meter: Meter) -> dict[str, Any]:
    """The read's figures: read_units, bytes, calls, wall_s, cpu_s, moto_s, meter_s, lambda_s,
    peak_mb, and by (calls and read units per operation and table)."""
    traced = Forked(lambda: _traced(read))
    timed: dict[str, Any] = Forked(lambda: _timed(read, meter)).result()
    peak: dict[str, Any] = traced.result()
    return timed | peak


def _timed(read: Callable[[], object], meter: Meter) -> dict[str, Any]:
    _InMoto.install()
    meter.reset()
    _InMoto.seconds = 0.0
    Writes.calls = Writes.units = 0
    wall, cpu = time.perf_counter(), time.process_time()
    read()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    calls = meter.calls + Writes.calls  # the writes from the main thread, one after the other
    waits = calls - meter.side_calls * (1 - 1 / IN_FLIGHT)
    return {
        "read_units": meter.read_units,
        "write_units": Writes.units,
        "bytes": meter.bytes,
        "calls": calls,
        "wall_s": wall,
        "cpu_s": cpu,
        "moto_s": _InMoto.seconds,
        "meter_s": meter.seconds,
        "lambda_s": cpu - _InMoto.seconds - meter.seconds + waits * LATENCY,
        "by": meter.by,
    }


def _traced(read: Callable[[], object]) -> dict[str, Any]:
    tracemalloc.start()
    read()
    return {"peak_mb": tracemalloc.get_traced_memory()[1] / 2**20}
