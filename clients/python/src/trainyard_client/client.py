"""``Client``: a thin, synchronous SchedulerService client over grpcio.

Unary calls get a deadline (``timeout``, default 30 s); streams have none and end when the
caller stops iterating (the call is cancelled in the generator's ``finally``). Every error is
raised as a :class:`~trainyard_client.errors.TrainyardError`. ``follow_logs`` resumes a broken
stream by itself (see :mod:`trainyard_client.resume`); ``watch`` does not.

A Client may be shared by threads (grpcio channels are thread-safe); ``close()`` is idempotent
and also ends a ``follow_logs`` that is waiting to reconnect.
"""
from __future__ import annotations

import datetime
import logging
import os
import random
import threading
import time
from typing import Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import grpc

from ._gen.trainyard.v1.scheduler_pb2_grpc import SchedulerServiceStub
from .checkpoint import PathLike, unpack_into
from .errors import AbortedError, TrainyardError, from_rpc_error, translate
from .messages import (
    ArrayElement,
    CancelArrayRequest,
    CancelRequest,
    DownloadCheckpointRequest,
    DrainNodeRequest,
    GetEventsRequest,
    GetRequest,
    ListNodesRequest,
    ListRequest,
    LogFrame,
    Node,
    StreamLogsRequest,
    SubmitArrayRequest,
    SubmitArrayResponse,
    SubmitRequest,
    Task,
    TaskEvent,
    TaskSpec,
    TaskState,
    WatchRequest,
    is_final,
)
from .resume import ResumePolicy, Resumer
from .spec import Seconds, build_spec, to_duration
from .target import target_and_tls

log = logging.getLogger("trainyard_client")

#: Channel options: keepalive pings while a call is open (a dead connection under a silent
#: follow is noticed within ~40 s), quick reconnects, room for a 256 KiB log batch and more.
DEFAULT_CHANNEL_OPTIONS: Tuple[Tuple[str, int], ...] = (
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.initial_reconnect_backoff_ms", 100),
    # Not grpc.min_reconnect_backoff_ms: gRPC core also takes it as the connect timeout (20 s by
    # default), and 100 ms failed TLS handshakes on a loaded machine.
    ("grpc.max_reconnect_backoff_ms", 2_000),
    ("grpc.max_receive_message_length", 16 * 1024 * 1024),
)

StateLike = Union[int, str]


def state_value(s: StateLike) -> int:
    """A TaskState number from a number or a name: ``"RUNNING"`` or ``"TASK_STATE_RUNNING"``."""
    if isinstance(s, str):
        name = s.upper()
        if not name.startswith("TASK_STATE_"):
            name = "TASK_STATE_" + name
        try:
            return TaskState.Value(name)
        except ValueError:
            raise ValueError(f"states: unknown task state {s!r}") from None
    return int(s)


def _read_env_file(name: str) -> Optional[bytes]:
    """The bytes of the file the environment variable ``name`` names; None when it is unset."""
    path = os.environ.get(name, "").strip()
    if not path:
        return None
    with open(path, "rb") as f:
        return f.read()


class BearerToken(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Adds ``authorization: Bearer <token>`` to every call's metadata."""

    def __init__(self, token: str) -> None:
        self._header = ("authorization", f"Bearer {token}")

    def _with_token(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        return _CallDetails(
            details.method, details.timeout, [*(details.metadata or ()), self._header],
            details.credentials, details.wait_for_ready, details.compression,
        )

    def intercept_unary_unary(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        return continuation(self._with_token(client_call_details), request)

    def intercept_unary_stream(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        return continuation(self._with_token(client_call_details), request)


class _CallDetails(grpc.ClientCallDetails):
    def __init__(self, method, timeout, metadata, credentials, wait_for_ready, compression):  # type: ignore[no-untyped-def]
        self.method = method
        self.timeout = timeout
        self.metadata = metadata
        self.credentials = credentials
        self.wait_for_ready = wait_for_ready
        self.compression = compression


class Client:
    """A SchedulerService client.

    >>> with Client() as c:                     # TRAINYARD_ADDR or 127.0.0.1:50051
    ...     t = c.submit("busybox", command=["echo", "hi"])
    ...     for f in c.follow_logs(t.id):
    ...         print(f.data.decode(), end="")
    """

    def __init__(
        self,
        target: Optional[str] = None,
        *,
        timeout: Optional[float] = 30.0,
        resume: ResumePolicy = ResumePolicy(),
        options: Sequence[Tuple[str, object]] = (),
        channel: Optional[grpc.Channel] = None,
        token: Optional[str] = None,
        ca: Optional[bytes] = None,
        client_cert: Optional[bytes] = None,
        client_key: Optional[bytes] = None,
    ) -> None:
        """``target``: ``host:port`` (default ``$TRAINYARD_ADDR``, else ``127.0.0.1:50051``).
        ``timeout``: deadline in seconds of each unary call (None: none). ``resume``: how
        ``follow_logs`` reconnects. ``options``: extra grpcio channel options. ``channel``: use
        this channel instead of opening one (it is not closed by ``close()``). ``token``: sent as
        ``authorization: Bearer <token>`` with every call, for a scheduler with an auth file
        (default ``$TRAINYARD_TOKEN``). TLS, for an ``https://`` target or when a CA is given:
        ``ca`` (PEM bytes; default ``$TRAINYARD_TLS_CA``'s file, else the system's roots), and
        ``client_cert``/``client_key`` for a server that wants a client certificate (default
        ``$TRAINYARD_TLS_CLIENT_CERT``/``$TRAINYARD_TLS_CLIENT_KEY``'s files)."""
        self.target, https = target_and_tls(target, os.environ)
        self.timeout = timeout
        self.resume = resume
        self._owns_channel = channel is None
        ca = ca if ca is not None else _read_env_file("TRAINYARD_TLS_CA")
        client_cert = client_cert if client_cert is not None else _read_env_file("TRAINYARD_TLS_CLIENT_CERT")
        client_key = client_key if client_key is not None else _read_env_file("TRAINYARD_TLS_CLIENT_KEY")
        opts = [*DEFAULT_CHANNEL_OPTIONS, *options]
        if channel is None and (https or ca is not None or client_cert is not None):
            creds = grpc.ssl_channel_credentials(root_certificates=ca, private_key=client_key, certificate_chain=client_cert)
            channel = grpc.secure_channel(self.target, creds, options=opts)
        self._channel = channel or grpc.insecure_channel(self.target, options=opts)
        token = token if token is not None else os.environ.get("TRAINYARD_TOKEN") or None
        calls = grpc.intercept_channel(self._channel, BearerToken(token)) if token else self._channel
        self._stub = SchedulerServiceStub(calls)
        self._closed = threading.Event()

    def close(self) -> None:
        """Closes the channel (if this client opened it); open streams end with CANCELLED."""
        if self._closed.is_set():
            return
        self._closed.set()
        if self._owns_channel:
            self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Unary calls.

    def submit(
        self,
        spec: Union[str, TaskSpec],
        *,
        idempotency_key: str = "",
        **fields: object,
    ) -> Task:
        """Submits a task and returns it as stored (PENDING, defaults resolved).

        ``spec`` is a TaskSpec, or an image name with the spec's fields as keywords:
        ``command`` (list), ``env``, ``cpus``, ``memory_bytes``, ``gpus``, ``timeout`` (seconds
        or timedelta), ``retries``, ``retry_delay``, ``retry`` (RetryPolicy), ``labels``,
        ``pool``, ``stop_grace_period``, ``checkpoint``, ``checkpoint_interval`` (see
        :func:`trainyard_client.spec.build_spec`).
        The same ``idempotency_key`` returns the first task instead of a new one.
        Raises InvalidArgumentError naming the field of a bad spec.
        """
        if isinstance(spec, TaskSpec):
            if fields:
                raise TypeError(f"submit: spec fields given as keywords and as a TaskSpec: {sorted(fields)}")
            task_spec = spec
        else:
            task_spec = build_spec(spec, **fields)  # type: ignore[arg-type]
        req = SubmitRequest(spec=task_spec, idempotency_key=idempotency_key)
        with translate():
            return self._stub.Submit(req, timeout=self.timeout).task

    def submit_array(
        self,
        spec: Union[str, TaskSpec],
        *,
        count: int = 0,
        elements: Sequence[Mapping[str, str]] = (),
        max_parallel: int = 0,
        idempotency_key: str = "",
        **fields: object,
    ) -> SubmitArrayResponse:
        """Submits an array: ``count`` tasks of one spec, or one per element of ``elements``
        (each a dict of env added to the spec's), at most ``max_parallel`` running at once (0: no
        limit). ``spec`` as for :meth:`submit`. Returns ``array_id`` and the tasks by index; the
        same ``idempotency_key`` returns the same array."""
        task_spec = spec if isinstance(spec, TaskSpec) else build_spec(spec, **fields)  # type: ignore[arg-type]
        req = SubmitArrayRequest(
            spec=task_spec,
            count=count,
            elements=[ArrayElement(env=dict(e)) for e in elements],
            max_parallel=max_parallel,
            idempotency_key=idempotency_key,
        )
        with translate():
            return self._stub.SubmitArray(req, timeout=self.timeout)

    def cancel_array(self, array_id: str, reason: str = "") -> List[Task]:
        """Cancels every task of the array not final yet; returns them all by index."""
        with translate():
            return list(self._stub.CancelArray(CancelArrayRequest(array_id=array_id, reason=reason), timeout=self.timeout).tasks)

    def get(self, task_id: str) -> Task:
        """The task record. Raises NotFoundError for an unknown id."""
        with translate():
            return self._stub.Get(GetRequest(task_id=task_id), timeout=self.timeout).task

    def cancel(self, task_id: str, reason: str = "") -> Task:
        """Cancels a task and returns it as stored after the request: a PENDING task is
        CANCELLED at once, a RUNNING one is still RUNNING (message "cancelling") until its
        container has stopped; a finished task is returned unchanged."""
        with translate():
            return self._stub.Cancel(CancelRequest(task_id=task_id, reason=reason), timeout=self.timeout).task

    def events(self, task_id: str) -> List[TaskEvent]:
        """What happened to the task, oldest first (GetEvents)."""
        with translate():
            return list(self._stub.GetEvents(GetEventsRequest(task_id=task_id), timeout=self.timeout).events)

    def list(
        self,
        states: Iterable[StateLike] = (),
        labels: Optional[Mapping[str, str]] = None,
        page_size: int = 0,
        array_id: str = "",
    ) -> Iterator[Task]:
        """Every task in any of ``states`` (all when empty) carrying all of ``labels`` (of array
        ``array_id``, when given), newest first, fetching page after page (``page_size`` per
        call; 0: the server's 100)."""
        req = ListRequest(states=[state_value(s) for s in states], labels=dict(labels or {}), page_size=page_size, array_id=array_id)
        while True:
            with translate():
                resp = self._stub.List(req, timeout=self.timeout)
            yield from resp.tasks
            if not resp.next_page_token:
                return
            req.page_token = resp.next_page_token

    def nodes(self) -> List[Node]:
        """Every agent the scheduler knows: capacity, free slots, GPUs and who holds each, state (ListNodes)."""
        with translate():
            return list(self._stub.ListNodes(ListNodesRequest(), timeout=self.timeout).nodes)

    def drain(self, node_id: str, *, deadline: Optional[Seconds] = None, undo: bool = False) -> Node:
        """Stops placing work on ``node_id`` (admin); past ``deadline`` (seconds or timedelta) what
        still runs there is stopped and runs again elsewhere. ``undo=True`` takes the drain back."""
        req = DrainNodeRequest(node_id=node_id, undo=undo)
        if deadline is not None:
            req.deadline.CopyFrom(to_duration(deadline, "deadline"))
        with translate():
            return self._stub.DrainNode(req, timeout=self.timeout).node

    # Streams.

    def watch(self, task_id: Optional[str] = None, timeout: Optional[float] = None) -> Iterator[Task]:
        """The task's current state, then every change (every task when ``task_id`` is None).
        Runs until the caller stops iterating, or raises DeadlineExceededError after
        ``timeout`` seconds (None: no limit). A broken stream raises; call again to go on (the
        current state comes first)."""
        call = self._stub.Watch(WatchRequest(task_id=task_id or ""), timeout=timeout)
        try:
            with translate():
                for resp in call:
                    yield resp.task
        finally:
            call.cancel()

    def wait(self, task_id: str, timeout: Optional[float] = None) -> Task:
        """Blocks until the task is final and returns it (one Watch call). Raises
        DeadlineExceededError after ``timeout`` seconds (None: no limit), and the stream's
        error (e.g. UnavailableError) if it breaks: call again to go on."""
        call = self._stub.Watch(WatchRequest(task_id=task_id), timeout=timeout)
        try:
            with translate():
                for resp in call:
                    if is_final(resp.task):
                        return resp.task
        finally:
            call.cancel()
        raise TrainyardError(grpc.StatusCode.UNAVAILABLE, f"watch of task {task_id} ended before it was final")

    def follow_logs(
        self,
        task_id: str,
        after_seq: int = 0,
        follow: bool = True,
        tail_lines: int = 0,
        attempt: int = 0,
        since: Optional[Union[datetime.datetime, float]] = None,
    ) -> Iterator[LogFrame]:
        """The task's log frames with seq > ``after_seq``, in order; with ``follow`` (the
        default) until the task is final and its last frame is delivered, else what exists now.
        ``attempt`` (1, 2, ...) keeps only that attempt's frames; ``since`` (a datetime, or
        seconds since the epoch) only frames stamped at or after it.

        A stream that breaks with UNAVAILABLE (connection lost, server restarted or shutting
        down) is reopened after a backoff with ``after_seq`` = the last seq delivered, so no
        frame is missed or repeated; without progress for ``resume.give_up_after`` seconds the
        last error is raised. Other errors (NOT_FOUND, INVALID_ARGUMENT, ...) raise at once.
        ``tail_lines`` asks for only the last lines; it applies until the first frame arrives.
        """
        r = Resumer(self.resume, after_seq, time.monotonic())
        while True:
            req = StreamLogsRequest(task_id=task_id, follow=follow, after_seq=r.after_seq, tail_lines=tail_lines, attempt=attempt)
            if since is not None:
                req.since.FromNanoseconds(round((since.timestamp() if isinstance(since, datetime.datetime) else since) * 1e9))
            r.opened(time.monotonic())
            call = self._stub.StreamLogs(req)
            try:
                for resp in call:
                    for frame in resp.frames:
                        if r.accept(frame.seq, time.monotonic()):
                            tail_lines = 0
                            yield frame
                return
            except grpc.RpcError as e:
                if self._closed.is_set():
                    raise TrainyardError(grpc.StatusCode.CANCELLED, "client closed") from e
                delay = r.failed(e.code(), time.monotonic(), random.random())
                if delay is None:
                    raise from_rpc_error(e) from e
                log.info(
                    "log stream of task %s broke (%s: %s); resuming after seq %d in %.2fs",
                    task_id, e.code(), e.details(), r.after_seq, delay,
                )
            finally:
                call.cancel()
            if self._closed.wait(delay):
                raise TrainyardError(grpc.StatusCode.CANCELLED, "client closed")

    # Checkpoints.

    def download_checkpoint(self, task_id: str) -> Iterator[bytes]:
        """The tar archive of the task's newest checkpoint (``Task.last_checkpoint``; the
        checkpoint directory is its top entry), piece by piece, in order. Not resumed: a broken
        download starts again from the first byte. Raises NotFoundError when nothing was saved,
        AbortedError when a newer save replaced it while it was read (download again), and
        DataLossError, possibly after the last piece, when the data is not the recorded save:
        then keep nothing of it (:meth:`save_checkpoint` does all this)."""
        call = self._stub.DownloadCheckpoint(DownloadCheckpointRequest(task_id=task_id))
        try:
            with translate():
                for resp in call:
                    yield resp.data
        finally:
            call.cancel()

    def save_checkpoint(self, task_id: str, directory: PathLike) -> str:
        """Downloads the task's newest checkpoint and unpacks it into ``directory`` (created if
        missing), all or nothing; returns the unpacked checkpoint directory (``directory``/its
        base name). A save replaced while it downloads (ABORTED) is downloaded again, once.
        Members are extracted safely (tarfile's ``"data"`` filter, or the same checks where
        Python has none). Raises FileExistsError rather than replace what is in ``directory``,
        ``tarfile.TarError`` for an unsafe or broken archive, and the download's errors."""
        for retry in range(_ABORTED_RETRIES + 1):
            try:
                placed = unpack_into(directory, self.download_checkpoint(task_id))
                return placed[0] if len(placed) == 1 else os.fspath(directory)
            except AbortedError:
                if retry == _ABORTED_RETRIES:
                    raise
                log.info("a newer checkpoint of task %s replaced the one being downloaded; downloading it", task_id)
        raise AssertionError("unreachable")


#: How many times save_checkpoint downloads again after ABORTED.
_ABORTED_RETRIES = 1
