"""Building a TaskSpec from keyword arguments (pure: no IO).

The scheduler validates and fills in defaults (max_retries 3, retry delay 5 s, grace 10 s, pool
"default"); here only Python values become proto fields. Anything left ``None`` stays unset.
"""
from __future__ import annotations

import datetime
from typing import Mapping, Optional, Sequence, Tuple, Union

from google.protobuf import duration_pb2

from ._gen.trainyard.v1 import task_pb2
from .messages import RetryPolicy, TaskSpec

#: A duration: seconds (int or float) or a ``datetime.timedelta``.
Seconds = Union[int, float, datetime.timedelta]


def to_duration(value: Seconds, field: str) -> duration_pb2.Duration:
    """A google.protobuf.Duration from seconds or a timedelta; ``field`` names it in errors."""
    if isinstance(value, datetime.timedelta):
        d = duration_pb2.Duration()
        d.FromTimedelta(value)
        return d
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{field}: expected seconds (int or float) or a timedelta, got {type(value).__name__}")
    d = duration_pb2.Duration()
    d.FromNanoseconds(round(value * 1_000_000_000))
    return d


_NETWORKS = {"none": task_pb2.NETWORK_MODE_NONE, "host": task_pb2.NETWORK_MODE_HOST, "bridge": task_pb2.NETWORK_MODE_BRIDGE}
_CONDITIONS = {
    "succeeded": task_pb2.DEPENDENCY_CONDITION_SUCCEEDED,
    "finished": task_pb2.DEPENDENCY_CONDITION_FINISHED,
    "failed": task_pb2.DEPENDENCY_CONDITION_FAILED,
}


def build_spec(
    image: str,
    *,
    command: Optional[Sequence[str]] = None,
    env: Optional[Mapping[str, str]] = None,
    cpus: Optional[float] = None,
    memory_bytes: Optional[int] = None,
    gpus: Optional[int] = None,
    timeout: Optional[Seconds] = None,
    retries: Optional[int] = None,
    retry_delay: Optional[Seconds] = None,
    retry: Optional[RetryPolicy] = None,
    labels: Optional[Mapping[str, str]] = None,
    pool: Optional[str] = None,
    stop_grace_period: Optional[Seconds] = None,
    user: Optional[str] = None,
    read_only_rootfs: Optional[bool] = None,
    priority: Optional[int] = None,
    preemptible: Optional[bool] = None,
    node_labels: Optional[Mapping[str, str]] = None,
    network: Optional[str] = None,
    depends_on: Optional[Sequence[Union[str, Tuple[str, str]]]] = None,
    checkpoint: Optional[str] = None,
    checkpoint_interval: Optional[Seconds] = None,
) -> TaskSpec:
    """A TaskSpec for ``image``.

    ``command`` is the container's Cmd, a list of arguments (a plain string is refused: write
    ``["sh", "-c", "..."]``). ``retries`` is ``retry.max_retries`` (0: never retry task failures);
    ``retry`` gives the whole RetryPolicy, and ``retries``/``retry_delay`` override its fields.
    ``user`` ("uid" or "uid:gid") and ``read_only_rootfs`` harden the container further.
    ``priority`` (1-100, default 50) orders the queue; a ``preemptible`` task may be stopped for a
    higher one. ``node_labels`` must all be among a node's labels; ``network`` is "none" (the
    default), "host" or "bridge", where the agent allows it. ``depends_on`` lists the tasks this
    one waits for: a task id (it must succeed) or ``(task_id, "succeeded" | "finished" |
    "failed")``. ``checkpoint`` is a directory in the container (absolute) saved every
    ``checkpoint_interval`` (seconds or timedelta; unset: the scheduler's 60 s, at least 1 s) and
    when an attempt ends, and restored before a retry.
    """
    if isinstance(command, (str, bytes)):
        raise TypeError('command: expected a list of arguments, e.g. ["sh", "-c", "echo hi"], not a string')
    spec = TaskSpec(image=image)
    if command is not None:
        spec.command.extend(command)
    if env:
        spec.env.update(env)
    if labels:
        spec.labels.update(labels)
    if pool is not None:
        spec.pool = pool
    if user is not None:
        spec.user = user
    if read_only_rootfs is not None:
        spec.read_only_rootfs = read_only_rootfs
    if priority is not None:
        spec.priority = priority
    if preemptible is not None:
        spec.preemptible = preemptible
    if node_labels:
        spec.node_labels.update(node_labels)
    if network is not None:
        if network not in _NETWORKS:
            raise ValueError(f"network: expected one of {sorted(_NETWORKS)}, got {network!r}")
        spec.network = _NETWORKS[network]
    for d in depends_on or ():
        task_id, condition = (d, "succeeded") if isinstance(d, str) else d
        if condition not in _CONDITIONS:
            raise ValueError(f"depends_on: condition of {task_id} must be one of {sorted(_CONDITIONS)}, got {condition!r}")
        spec.depends_on.add(task_id=task_id, condition=_CONDITIONS[condition])
    if cpus is not None:
        spec.resources.cpus = cpus
    if memory_bytes is not None:
        spec.resources.memory_bytes = memory_bytes
    if gpus is not None:
        spec.resources.gpus = gpus
    if timeout is not None:
        spec.timeout.CopyFrom(to_duration(timeout, "timeout"))
    if stop_grace_period is not None:
        spec.stop_grace_period.CopyFrom(to_duration(stop_grace_period, "stop_grace_period"))
    if retry is not None:
        spec.retry.CopyFrom(retry)
    if retries is not None:
        spec.retry.max_retries = retries
    if retry_delay is not None:
        spec.retry.delay.CopyFrom(to_duration(retry_delay, "retry_delay"))
    if checkpoint is not None:
        spec.checkpoint.path = checkpoint
        if checkpoint_interval is not None:
            spec.checkpoint.interval.CopyFrom(to_duration(checkpoint_interval, "checkpoint_interval"))
    elif checkpoint_interval is not None:
        raise ValueError("checkpoint_interval: only with checkpoint (the directory to save)")
    return spec
