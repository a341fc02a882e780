"""Trainyard's Python client: submit containerized tasks, follow their logs, watch their state.

>>> from trainyard_client import Client, TaskState
>>> with Client() as c:
...     task = c.submit("trainyard/busybox:test", command=["sh", "-c", "echo hello"])
...     for frame in c.follow_logs(task.id):
...         print(frame.data.decode(), end="")
...     print(TaskState.Name(c.get(task.id).state))
"""
from .client import DEFAULT_CHANNEL_OPTIONS, Client, state_value
from .errors import (
    AbortedError,
    DataLossError,
    DeadlineExceededError,
    InvalidArgumentError,
    NotFoundError,
    ResourceExhaustedError,
    TrainyardError,
    UnavailableError,
)
from .messages import (
    FINAL_STATES,
    Attempt,
    Checkpoint,
    CheckpointInfo,
    FailureReason,
    GpuDevice,
    LogFrame,
    LogStream,
    NetworkMode,
    Dependency,
    DependencyCondition,
    Node,
    NodeState,
    Resources,
    RetryPolicy,
    Task,
    TaskEvent,
    TaskSpec,
    TaskState,
    is_final,
)
from .resume import ResumePolicy
from .spec import build_spec
from .target import DEFAULT_TARGET

__version__ = "0.1.0"

__all__ = [
    "AbortedError",
    "Attempt",
    "Checkpoint",
    "CheckpointInfo",
    "Client",
    "DEFAULT_CHANNEL_OPTIONS",
    "DEFAULT_TARGET",
    "DataLossError",
    "DeadlineExceededError",
    "FINAL_STATES",
    "FailureReason",
    "GpuDevice",
    "InvalidArgumentError",
    "LogFrame",
    "LogStream",
    "NetworkMode",
    "Dependency",
    "DependencyCondition",
    "Node",
    "NodeState",
    "NotFoundError",
    "Resources",
    "ResourceExhaustedError",
    "ResumePolicy",
    "RetryPolicy",
    "Task",
    "TaskEvent",
    "TaskSpec",
    "TaskState",
    "TrainyardError",
    "UnavailableError",
    "build_spec",
    "is_final",
    "state_value",
]
