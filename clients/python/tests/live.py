"""Shared setup of the tests that need a running scheduler (test/clients/python.test.ts starts
a cluster and sets TRAINYARD_ADDR and TRAINYARD_TEST_IMAGE)."""
from __future__ import annotations

import os
import threading
import uuid
from typing import Callable, List, TypeVar

from trainyard_client import LogFrame, LogStream

T = TypeVar("T")

ADDR = os.environ.get("TRAINYARD_ADDR", "")
IMAGE = os.environ.get("TRAINYARD_TEST_IMAGE", "trainyard/busybox:test")
#: Labels every task of this run carries, so List sees only this run's tasks.
RUN = uuid.uuid4().hex[:12]


def require_scheduler() -> None:
    """Call from setUpModule: these tests need a live scheduler, they are never skipped."""
    if not ADDR:
        raise RuntimeError(
            "TRAINYARD_ADDR is not set: these tests need a running scheduler "
            "(npx vitest run --project integration test/clients/python.test.ts starts one)"
        )


def sh(script: str) -> List[str]:
    return ["sh", "-c", script]


def text(frames: List[LogFrame], stream: int = None) -> str:
    """The frames' data as text, of one stream or of all."""
    return b"".join(f.data for f in frames if stream is None or f.stream == stream).decode()


def within(seconds: float, fn: Callable[[], T]) -> T:
    """fn() run in a thread; raises AssertionError if it has not returned after `seconds`
    (the thread is left to end when the test closes its client)."""
    result: List[object] = []

    def run() -> None:
        try:
            result.append(("ok", fn()))
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller
            result.append(("err", e))

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    if not result:
        raise AssertionError(f"not done within {seconds}s")
    kind, value = result[0]
    if kind == "err":
        raise value  # type: ignore[misc]
    return value  # type: ignore[return-value]


STDOUT = LogStream.LOG_STREAM_STDOUT
STDERR = LogStream.LOG_STREAM_STDERR
SYSTEM = LogStream.LOG_STREAM_SYSTEM
