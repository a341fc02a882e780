from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from . import task_pb2 as _task_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
NODE_STATE_DRAINING: NodeState
NODE_STATE_LOST: NodeState
NODE_STATE_READY: NodeState
NODE_STATE_UNSPECIFIED: NodeState

class AgentServiceStreamLogsRequest(_message.Message):
    __slots__ = ["after_seq", "follow", "task_id"]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    FOLLOW_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    after_seq: int
    follow: bool
    task_id: str
    def __init__(self, task_id: _Optional[str] = ..., follow: bool = ..., after_seq: _Optional[int] = ...) -> None: ...

class AgentServiceStreamLogsResponse(_message.Message):
    __slots__ = ["frames"]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    frames: _containers.RepeatedCompositeFieldContainer[_task_pb2.LogFrame]
    def __init__(self, frames: _Optional[_Iterable[_Union[_task_pb2.LogFrame, _Mapping]]] = ...) -> None: ...

class DrainRequest(_message.Message):
    __slots__ = ["deadline"]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    deadline: _duration_pb2.Duration
    def __init__(self, deadline: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class DrainResponse(_message.Message):
    __slots__ = ["node"]
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: Node
    def __init__(self, node: _Optional[_Union[Node, _Mapping]] = ...) -> None: ...

class GetNodeRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetNodeResponse(_message.Message):
    __slots__ = ["node"]
    NODE_FIELD_NUMBER: _ClassVar[int]
    node: Node
    def __init__(self, node: _Optional[_Union[Node, _Mapping]] = ...) -> None: ...

class GpuDevice(_message.Message):
    __slots__ = ["id", "memory_bytes", "name", "task_id", "uuid"]
    ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    UUID_FIELD_NUMBER: _ClassVar[int]
    id: str
    memory_bytes: int
    name: str
    task_id: str
    uuid: str
    def __init__(self, id: _Optional[str] = ..., uuid: _Optional[str] = ..., name: _Optional[str] = ..., memory_bytes: _Optional[int] = ..., task_id: _Optional[str] = ...) -> None: ...

class Node(_message.Message):
    __slots__ = ["cpus", "docker_version", "draining", "free_slots", "gpu_devices", "gpus", "id", "labels", "last_seen", "memory_bytes", "network_modes", "pools", "running", "slots", "start_time", "state"]
    class LabelsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CPUS_FIELD_NUMBER: _ClassVar[int]
    DOCKER_VERSION_FIELD_NUMBER: _ClassVar[int]
    DRAINING_FIELD_NUMBER: _ClassVar[int]
    FREE_SLOTS_FIELD_NUMBER: _ClassVar[int]
    GPUS_FIELD_NUMBER: _ClassVar[int]
    GPU_DEVICES_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    NETWORK_MODES_FIELD_NUMBER: _ClassVar[int]
    POOLS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    SLOTS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    cpus: float
    docker_version: str
    draining: bool
    free_slots: int
    gpu_devices: _containers.RepeatedCompositeFieldContainer[GpuDevice]
    gpus: int
    id: str
    labels: _containers.ScalarMap[str, str]
    last_seen: _timestamp_pb2.Timestamp
    memory_bytes: int
    network_modes: _containers.RepeatedScalarFieldContainer[str]
    pools: _containers.RepeatedScalarFieldContainer[str]
    running: _containers.RepeatedCompositeFieldContainer[RunningAttempt]
    slots: int
    start_time: _timestamp_pb2.Timestamp
    state: NodeState
    def __init__(self, id: _Optional[str] = ..., pools: _Optional[_Iterable[str]] = ..., slots: _Optional[int] = ..., free_slots: _Optional[int] = ..., running: _Optional[_Iterable[_Union[RunningAttempt, _Mapping]]] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., docker_version: _Optional[str] = ..., gpus: _Optional[int] = ..., draining: bool = ..., cpus: _Optional[float] = ..., memory_bytes: _Optional[int] = ..., gpu_devices: _Optional[_Iterable[_Union[GpuDevice, _Mapping]]] = ..., labels: _Optional[_Mapping[str, str]] = ..., state: _Optional[_Union[NodeState, str]] = ..., last_seen: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., network_modes: _Optional[_Iterable[str]] = ...) -> None: ...

class RunningAttempt(_message.Message):
    __slots__ = ["attempt", "container_id", "image", "start_time", "task_id"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_ID_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    container_id: str
    image: str
    start_time: _timestamp_pb2.Timestamp
    task_id: str
    def __init__(self, task_id: _Optional[str] = ..., attempt: _Optional[int] = ..., container_id: _Optional[str] = ..., image: _Optional[str] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class NodeState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
