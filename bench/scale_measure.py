"""One read measured for bench/scale.py, twice, each time in a process of its own (a fork of
the bench, after the tables are built, so both start from the same state and neither keeps
what the other built): untraced, its DynamoDB calls, read units and bytes (scale_moto.Meter),
wall and CPU time and the time moto spent answering it; traced, its peak memory (what Python
allocated at most, tracemalloc: it slows Python several times, so never in the timed run).
The resident set cannot tell: the bench's own freed memory is reused by the read first.
The peak includes moto's own copy of each page it answers (a few MB at most: 1 MB pages)."""

from __future__ import annotations

import json
import os
import time
import traceback
import tracemalloc
from collections.abc import Callable
from typing import Any

from moto.core.botocore_stubber import BotocoreStubber
from scale_moto import Meter

LATENCY = 0.008  # s a DynamoDB call as a Lambda sees it (single-digit ms), as scale_attribution


class _InMoto:
    """Seconds spent inside moto's answers (its serving, not the reader's own work)."""

    seconds = 0.0

    @classmethod
    def install(cls) -> None:
        if getattr(BotocoreStubber, "_scale_timed", False):
            return
        answer = BotocoreStubber.__call__

        def timed(self: BotocoreStubber, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return answer(self, *args, **kwargs)
            finally:
                cls.seconds += time.perf_counter() - started

        setattr(BotocoreStubber, "__call__", timed)  # noqa: B010
        setattr(BotocoreStubber, "_scale_timed", True)  # noqa: B010


def measured(read: Callable[[], object], meter: Meter) -> dict[str, Any]:
    """The read's figures: read_units, bytes, calls, wall_s, cpu_s, moto_s, lambda_s (its wall
    without moto's share, plus LATENCY a call: what DynamoDB would have taken), peak_mb."""
    return _forked(lambda: _timed(read, meter)) | _forked(lambda: _traced(read))


def _timed(read: Callable[[], object], meter: Meter) -> dict[str, Any]:
    _InMoto.install()
    meter.reset()
    _InMoto.seconds = 0.0
    wall, cpu = time.perf_counter(), time.process_time()
    read()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "read_units": meter.read_units,
        "bytes": meter.bytes,
        "calls": meter.calls,
        "wall_s": wall,
        "cpu_s": cpu,
        "moto_s": _InMoto.seconds,
        "lambda_s": wall - _InMoto.seconds + meter.calls * LATENCY,
        "by": meter.by,
    }


def _traced(read: Callable[[], object]) -> dict[str, Any]:
    tracemalloc.start()
    read()
    return {"peak_mb": tracemalloc.get_traced_memory()[1] / 2**20}


def _forked(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """run() in a fork of this process; its figures, or its failure raised here."""
    done, told = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the measuring process
        os.close(done)
        try:
            figures = run()
        except BaseException:  # told to the bench, which fails with it
            figures = {"error": traceback.format_exc()}
        os.write(told, json.dumps(figures).encode())
        os._exit(0)
    os.close(told)
    with os.fdopen(done, "rb") as answer:
        found: dict[str, Any] = json.loads(answer.read() or b'{"error": "no answer"}')
    os.waitpid(child, 0)
    if "error" in found:
        raise RuntimeError(f"a measured read failed:\n{found['error']}")
    return found
