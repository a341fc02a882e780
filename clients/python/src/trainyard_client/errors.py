"""Errors of the client: one type per gRPC status code that callers act on.

Every failed call raises a :class:`TrainyardError` (a :class:`grpc.RpcError`, so ``e.code()``
and ``e.details()`` work as with plain grpcio). The translation from grpcio's error happens in
one place, :func:`translate`; nothing here looks at message text.
"""
from __future__ import annotations

import contextlib
from typing import Dict, Iterator, Optional, Type

import grpc


class TrainyardError(grpc.RpcError):
    """A call failed with a gRPC status. ``code()`` and ``details()`` as on ``grpc.Call``."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(f"{code.name}: {details}")
        self._code = code
        self._details = details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details


class NotFoundError(TrainyardError):
    """NOT_FOUND: no task with that id."""


class InvalidArgumentError(TrainyardError):
    """INVALID_ARGUMENT: bad input; ``details()`` starts with the field, e.g. ``spec.image: ...``."""


class UnavailableError(TrainyardError):
    """UNAVAILABLE: the scheduler (or its NATS) cannot be reached, or it is shutting down."""


class ResourceExhaustedError(TrainyardError):
    """RESOURCE_EXHAUSTED: overload, or a Watch that fell too far behind."""


class DeadlineExceededError(TrainyardError):
    """DEADLINE_EXCEEDED: the call took longer than its timeout."""


class AbortedError(TrainyardError):
    """ABORTED: a checkpoint download's save was replaced by a newer one while it was read; download again."""


class DataLossError(TrainyardError):
    """DATA_LOSS: a checkpoint download's data is not the recorded save; keep nothing of it."""


_BY_CODE: Dict[grpc.StatusCode, Type[TrainyardError]] = {
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.ABORTED: AbortedError,
    grpc.StatusCode.DATA_LOSS: DataLossError,
}


def from_rpc_error(e: grpc.RpcError) -> TrainyardError:
    """The TrainyardError for a grpcio error (a ``grpc.Call``); UNKNOWN if it carries no status."""
    if isinstance(e, TrainyardError):
        return e
    code: Optional[grpc.StatusCode] = e.code() if hasattr(e, "code") else None
    details: Optional[str] = e.details() if hasattr(e, "details") else None
    code = code or grpc.StatusCode.UNKNOWN
    return _BY_CODE.get(code, TrainyardError)(code, details or "")


@contextlib.contextmanager
def translate() -> Iterator[None]:
    """Raises grpcio errors from the block as TrainyardErrors (the original as ``__cause__``)."""
    try:
        yield
    except TrainyardError:
        raise
    except grpc.RpcError as e:
        raise from_rpc_error(e) from e
