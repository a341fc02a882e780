"""The trainyard.v1 messages and enums users handle, under their proto names.

Generated code lives in ``trainyard_client._gen`` (see ``clients/python/generate.sh``); import
these names from ``trainyard_client`` instead, so the generated layout can change.

Enums are protobuf enum wrappers: ``TaskState.TASK_STATE_RUNNING`` (an int),
``TaskState.Name(task.state)`` -> ``"TASK_STATE_RUNNING"``.
"""
from ._gen.trainyard.v1 import agent_pb2, scheduler_pb2, task_pb2

Task = task_pb2.Task
TaskSpec = task_pb2.TaskSpec
Resources = task_pb2.Resources
RetryPolicy = task_pb2.RetryPolicy
Attempt = task_pb2.Attempt
LogFrame = task_pb2.LogFrame
TaskEvent = task_pb2.TaskEvent
TaskState = task_pb2.TaskState
FailureReason = task_pb2.FailureReason
LogStream = task_pb2.LogStream
NetworkMode = task_pb2.NetworkMode
Dependency = task_pb2.Dependency
Checkpoint = task_pb2.Checkpoint
CheckpointInfo = task_pb2.CheckpointInfo
DependencyCondition = task_pb2.DependencyCondition
Node = agent_pb2.Node
NodeState = agent_pb2.NodeState
GpuDevice = agent_pb2.GpuDevice

SubmitRequest = scheduler_pb2.SubmitRequest
GetRequest = scheduler_pb2.GetRequest
ListRequest = scheduler_pb2.ListRequest
CancelRequest = scheduler_pb2.CancelRequest
StreamLogsRequest = scheduler_pb2.StreamLogsRequest
WatchRequest = scheduler_pb2.WatchRequest
GetEventsRequest = scheduler_pb2.GetEventsRequest
ListNodesRequest = scheduler_pb2.ListNodesRequest
DrainNodeRequest = scheduler_pb2.DrainNodeRequest
SubmitArrayRequest = scheduler_pb2.SubmitArrayRequest
SubmitArrayResponse = scheduler_pb2.SubmitArrayResponse
ArrayElement = scheduler_pb2.ArrayElement
CancelArrayRequest = scheduler_pb2.CancelArrayRequest
DownloadCheckpointRequest = scheduler_pb2.DownloadCheckpointRequest

#: States a task never leaves.
FINAL_STATES = frozenset(
    {task_pb2.TASK_STATE_SUCCEEDED, task_pb2.TASK_STATE_FAILED, task_pb2.TASK_STATE_CANCELLED}
)


def is_final(task: "task_pb2.Task") -> bool:
    """Whether the task has reached SUCCEEDED, FAILED or CANCELLED."""
    return task.state in FINAL_STATES
