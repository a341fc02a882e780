"""How ``Client.follow_logs`` resumes a log stream after it broke (pure: time and randomness are
passed in, so the policy is tested without a server or a clock).

State of one follow::

    streaming --frame--> streaming            (cursor = frame.seq, streak reset)
    streaming --retryable error--> waiting    (delay = backoff(streak), streak += 1)
    waiting   --delay over--> streaming       (reopened with after_seq = cursor)
    streaming --other error, or no progress for give_up_after--> raised
    streaming --end of stream (OK)--> done

"Progress" is a frame received, or a call that had stayed open for at least ``max_backoff``
before it broke (the connection worked; a silent task behind a proxy that cuts idle
connections is followed indefinitely). A server that cannot be reached at all is given up on
after ``give_up_after`` seconds.
"""
from __future__ import annotations

import dataclasses
from typing import FrozenSet, Optional

import grpc


@dataclasses.dataclass(frozen=True)
class ResumePolicy:
    """When and how fast ``follow_logs`` reconnects. Delays grow from ``initial_backoff`` by
    ``multiplier`` up to ``max_backoff``, each between half and all of that (jitter)."""

    initial_backoff: float = 0.1
    max_backoff: float = 2.0
    multiplier: float = 2.0
    #: Seconds without progress after which the last error is raised.
    give_up_after: float = 60.0
    #: Status codes that mean "the connection or the server went away; try again".
    retryable: FrozenSet[grpc.StatusCode] = frozenset({grpc.StatusCode.UNAVAILABLE})


class Resumer:
    """The cursor and retry streak of one log follow. Not thread-safe; one per follow."""

    def __init__(self, policy: ResumePolicy, after_seq: int, now: float) -> None:
        self.policy = policy
        #: The last seq delivered; the next call asks for frames after it.
        self.after_seq = after_seq
        #: Reconnections so far (for callers that want to report them).
        self.reconnects = 0
        self._streak = 0
        self._progress_at = now
        self._opened_at = now

    def opened(self, now: float) -> None:
        """A call (first or resumed) was started at ``now``."""
        self._opened_at = now

    def accept(self, seq: int, now: float) -> bool:
        """Whether to deliver a frame with ``seq``; False for one already delivered."""
        if seq <= self.after_seq:
            return False
        self.after_seq = seq
        self._progress_at = now
        self._streak = 0
        return True

    def failed(self, code: Optional[grpc.StatusCode], now: float, rand: float) -> Optional[float]:
        """The call broke with ``code`` at ``now``: seconds to wait before reopening it, or None
        to give up (raise). ``rand`` is uniform in [0, 1) and sets the jitter."""
        p = self.policy
        if code not in p.retryable:
            return None
        if now - self._opened_at >= p.max_backoff:
            self._progress_at = now
            self._streak = 0
        left = p.give_up_after - (now - self._progress_at)
        if left <= 0:
            return None
        full = min(p.max_backoff, p.initial_backoff * p.multiplier**self._streak)
        self._streak += 1
        self.reconnects += 1
        return min(left, full * (0.5 + rand / 2))
