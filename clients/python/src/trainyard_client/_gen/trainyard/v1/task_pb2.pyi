from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DEPENDENCY_CONDITION_FAILED: DependencyCondition
DEPENDENCY_CONDITION_FINISHED: DependencyCondition
DEPENDENCY_CONDITION_SUCCEEDED: DependencyCondition
DEPENDENCY_CONDITION_UNSPECIFIED: DependencyCondition
DESCRIPTOR: _descriptor.FileDescriptor
FAILURE_REASON_CANCELLED: FailureReason
FAILURE_REASON_CONTAINER_ERROR: FailureReason
FAILURE_REASON_DEPENDENCY_FAILED: FailureReason
FAILURE_REASON_EXIT_CODE: FailureReason
FAILURE_REASON_IMAGE_UNAVAILABLE: FailureReason
FAILURE_REASON_NODE_LOST: FailureReason
FAILURE_REASON_OOM_KILLED: FailureReason
FAILURE_REASON_PREEMPTED: FailureReason
FAILURE_REASON_TIMEOUT: FailureReason
FAILURE_REASON_UNSPECIFIED: FailureReason
LOG_STREAM_STDERR: LogStream
LOG_STREAM_STDOUT: LogStream
LOG_STREAM_SYSTEM: LogStream
LOG_STREAM_UNSPECIFIED: LogStream
MOUNT_TYPE_BIND: MountType
MOUNT_TYPE_UNSPECIFIED: MountType
MOUNT_TYPE_VOLUME: MountType
NETWORK_MODE_BRIDGE: NetworkMode
NETWORK_MODE_HOST: NetworkMode
NETWORK_MODE_NONE: NetworkMode
NETWORK_MODE_UNSPECIFIED: NetworkMode
TASK_STATE_CANCELLED: TaskState
TASK_STATE_FAILED: TaskState
TASK_STATE_PENDING: TaskState
TASK_STATE_RUNNING: TaskState
TASK_STATE_SUCCEEDED: TaskState
TASK_STATE_UNSPECIFIED: TaskState

class Attempt(_message.Message):
    __slots__ = ["container_id", "dispatch_time", "end_time", "exit_code", "failure_reason", "gpu_ids", "message", "node_id", "not_before", "number", "start_time", "state"]
    CONTAINER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPATCH_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    GPU_IDS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    NOT_BEFORE_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    container_id: str
    dispatch_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    exit_code: int
    failure_reason: FailureReason
    gpu_ids: _containers.RepeatedScalarFieldContainer[str]
    message: str
    node_id: str
    not_before: _timestamp_pb2.Timestamp
    number: int
    start_time: _timestamp_pb2.Timestamp
    state: TaskState
    def __init__(self, number: _Optional[int] = ..., node_id: _Optional[str] = ..., container_id: _Optional[str] = ..., state: _Optional[_Union[TaskState, str]] = ..., exit_code: _Optional[int] = ..., failure_reason: _Optional[_Union[FailureReason, str]] = ..., message: _Optional[str] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., not_before: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., dispatch_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., gpu_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ["interval", "path"]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    interval: _duration_pb2.Duration
    path: str
    def __init__(self, path: _Optional[str] = ..., interval: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CheckpointInfo(_message.Message):
    __slots__ = ["attempt", "digest", "size_bytes", "time"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    digest: str
    size_bytes: int
    time: _timestamp_pb2.Timestamp
    def __init__(self, time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., attempt: _Optional[int] = ..., size_bytes: _Optional[int] = ..., digest: _Optional[str] = ...) -> None: ...

class Dependency(_message.Message):
    __slots__ = ["condition", "task_id"]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    condition: DependencyCondition
    task_id: str
    def __init__(self, task_id: _Optional[str] = ..., condition: _Optional[_Union[DependencyCondition, str]] = ...) -> None: ...

class LogFrame(_message.Message):
    __slots__ = ["attempt", "data", "seq", "stream", "time"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    data: bytes
    seq: int
    stream: LogStream
    time: _timestamp_pb2.Timestamp
    def __init__(self, seq: _Optional[int] = ..., attempt: _Optional[int] = ..., stream: _Optional[_Union[LogStream, str]] = ..., time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class Mount(_message.Message):
    __slots__ = ["read_only", "source", "target", "type"]
    READ_ONLY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    read_only: bool
    source: str
    target: str
    type: MountType
    def __init__(self, source: _Optional[str] = ..., target: _Optional[str] = ..., read_only: bool = ..., type: _Optional[_Union[MountType, str]] = ...) -> None: ...

class Resources(_message.Message):
    __slots__ = ["cpus", "gpus", "memory_bytes"]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    GPUS_FIELD_NUMBER: _ClassVar[int]
    MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    cpus: float
    gpus: int
    memory_bytes: int
    def __init__(self, cpus: _Optional[float] = ..., memory_bytes: _Optional[int] = ..., gpus: _Optional[int] = ...) -> None: ...

class RetryPolicy(_message.Message):
    __slots__ = ["backoff_multiplier", "delay", "max_delay", "max_infrastructure_retries", "max_retries", "non_retryable_exit_codes", "retry_on_timeout"]
    BACKOFF_MULTIPLIER_FIELD_NUMBER: _ClassVar[int]
    DELAY_FIELD_NUMBER: _ClassVar[int]
    MAX_DELAY_FIELD_NUMBER: _ClassVar[int]
    MAX_INFRASTRUCTURE_RETRIES_FIELD_NUMBER: _ClassVar[int]
    MAX_RETRIES_FIELD_NUMBER: _ClassVar[int]
    NON_RETRYABLE_EXIT_CODES_FIELD_NUMBER: _ClassVar[int]
    RETRY_ON_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    backoff_multiplier: float
    delay: _duration_pb2.Duration
    max_delay: _duration_pb2.Duration
    max_infrastructure_retries: int
    max_retries: int
    non_retryable_exit_codes: _containers.RepeatedScalarFieldContainer[int]
    retry_on_timeout: bool
    def __init__(self, max_retries: _Optional[int] = ..., delay: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., backoff_multiplier: _Optional[float] = ..., max_delay: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., non_retryable_exit_codes: _Optional[_Iterable[int]] = ..., retry_on_timeout: bool = ..., max_infrastructure_retries: _Optional[int] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ["array_id", "array_index", "attempts", "create_time", "created_by", "end_time", "exit_code", "failure_reason", "id", "idempotency_key", "last_checkpoint", "message", "namespace", "spec", "start_time", "state"]
    ARRAY_ID_FIELD_NUMBER: _ClassVar[int]
    ARRAY_INDEX_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    EXIT_CODE_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LAST_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    array_id: str
    array_index: int
    attempts: _containers.RepeatedCompositeFieldContainer[Attempt]
    create_time: _timestamp_pb2.Timestamp
    created_by: str
    end_time: _timestamp_pb2.Timestamp
    exit_code: int
    failure_reason: FailureReason
    id: str
    idempotency_key: str
    last_checkpoint: CheckpointInfo
    message: str
    namespace: str
    spec: TaskSpec
    start_time: _timestamp_pb2.Timestamp
    state: TaskState
    def __init__(self, id: _Optional[str] = ..., spec: _Optional[_Union[TaskSpec, _Mapping]] = ..., state: _Optional[_Union[TaskState, str]] = ..., attempts: _Optional[_Iterable[_Union[Attempt, _Mapping]]] = ..., failure_reason: _Optional[_Union[FailureReason, str]] = ..., exit_code: _Optional[int] = ..., message: _Optional[str] = ..., create_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., namespace: _Optional[str] = ..., created_by: _Optional[str] = ..., array_id: _Optional[str] = ..., array_index: _Optional[int] = ..., last_checkpoint: _Optional[_Union[CheckpointInfo, _Mapping]] = ...) -> None: ...

class TaskEvent(_message.Message):
    __slots__ = ["attempt", "message", "node_id", "principal", "time", "type"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    message: str
    node_id: str
    principal: str
    time: _timestamp_pb2.Timestamp
    type: str
    def __init__(self, time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., type: _Optional[str] = ..., attempt: _Optional[int] = ..., node_id: _Optional[str] = ..., message: _Optional[str] = ..., principal: _Optional[str] = ...) -> None: ...

class TaskSpec(_message.Message):
    __slots__ = ["checkpoint", "command", "depends_on", "env", "image", "labels", "mounts", "network", "node_labels", "pool", "preemptible", "priority", "read_only_rootfs", "resources", "retry", "stop_grace_period", "timeout", "user"]
    class EnvEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class LabelsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class NodeLabelsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    COMMAND_FIELD_NUMBER: _ClassVar[int]
    DEPENDS_ON_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    MOUNTS_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    NODE_LABELS_FIELD_NUMBER: _ClassVar[int]
    POOL_FIELD_NUMBER: _ClassVar[int]
    PREEMPTIBLE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    READ_ONLY_ROOTFS_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    RETRY_FIELD_NUMBER: _ClassVar[int]
    STOP_GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    checkpoint: Checkpoint
    command: _containers.RepeatedScalarFieldContainer[str]
    depends_on: _containers.RepeatedCompositeFieldContainer[Dependency]
    env: _containers.ScalarMap[str, str]
    image: str
    labels: _containers.ScalarMap[str, str]
    mounts: _containers.RepeatedCompositeFieldContainer[Mount]
    network: NetworkMode
    node_labels: _containers.ScalarMap[str, str]
    pool: str
    preemptible: bool
    priority: int
    read_only_rootfs: bool
    resources: Resources
    retry: RetryPolicy
    stop_grace_period: _duration_pb2.Duration
    timeout: _duration_pb2.Duration
    user: str
    def __init__(self, image: _Optional[str] = ..., command: _Optional[_Iterable[str]] = ..., env: _Optional[_Mapping[str, str]] = ..., resources: _Optional[_Union[Resources, _Mapping]] = ..., retry: _Optional[_Union[RetryPolicy, _Mapping]] = ..., timeout: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., pool: _Optional[str] = ..., stop_grace_period: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., mounts: _Optional[_Iterable[_Union[Mount, _Mapping]]] = ..., user: _Optional[str] = ..., read_only_rootfs: bool = ..., priority: _Optional[int] = ..., preemptible: bool = ..., network: _Optional[_Union[NetworkMode, str]] = ..., node_labels: _Optional[_Mapping[str, str]] = ..., depends_on: _Optional[_Iterable[_Union[Dependency, _Mapping]]] = ..., checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ...) -> None: ...

class DependencyCondition(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class NetworkMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class MountType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class TaskState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class FailureReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class LogStream(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
