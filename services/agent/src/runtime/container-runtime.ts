// The agent's view of a container engine: the few operations the task runner needs.
// docker-runtime.ts implements it on the Docker Engine API; fake-runtime.ts in memory, for unit
// tests of the runner and benchmarks. Integration tests always use Docker. The contract both
// keep is services/agent/test/runtime/contract.ts, run on each (fake-runtime.test.ts, unit;
// test/runtime-contract.test.ts, real Engine).
//
// Errors: ImagePullError from pull (typed: permanent or not); any other failure is the
// engine's own error, passed through.

export interface ContainerSpec {
  name: string;
  image: string;
  command: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  /** 0: no limit. */
  nanoCpus: number;
  /** 0: no limit; swap is set equal (no swap). */
  memoryBytes: number;
  pidsLimit: number;
  /** GPU devices the container gets (ids as the agent advertises them); empty: none. */
  gpuIds: string[];
  /** How it gets them: Docker DeviceRequests with DeviceIDs, or NVIDIA_VISIBLE_DEVICES (already in `env`). */
  gpuMode: "device-requests" | "env";
  /** Docker's NetworkMode; "none" unless the task asks for more and the agent allows it. */
  network: "none" | "host" | "bridge";
  /** Capabilities kept; every other one is dropped. */
  capabilities: string[];
  /** The kernel's OOM-killer preference (-1000..1000); above 0, the task dies before the agent, dockerd or NATS. */
  oomScoreAdj: number;
  /** "uid" or "uid:gid"; undefined: the image's user. */
  user?: string;
  /** Root filesystem read-only, with a writable tmpfs on /tmp. */
  readOnlyRootfs: boolean;
  /** Named volumes (created when missing, with `labels`) and bind mounts (sources already allowed and resolved). */
  mounts: ContainerMount[];
}

export interface ContainerMount {
  type: "volume" | "bind";
  source: string;
  target: string;
  readOnly: boolean;
  /** volume only: labels a volume Docker creates for this mount gets. */
  labels?: Record<string, string>;
}

export interface LogEntry {
  stream: "stdout" | "stderr";
  /** Epoch ms (fractional) when the engine received the line. */
  time: number;
  /** The engine's own RFC 3339 timestamp of the line, when it gave one. */
  stamp?: string;
  data: Buffer;
}

export interface ContainerState {
  running: boolean;
  /** Epoch ms the container started (0 if never). */
  startedAt: number;
  exitCode: number;
  oomKilled: boolean;
  error: string;
}

export interface PullProgress {
  /** Bytes done and total over the layers seen so far; total 0 when unknown. */
  current: number;
  total: number;
  status: string;
}

export interface ContainerSummary {
  id: string;
  labels: Record<string, string>;
  state: string;
}

export interface ContainerRuntime {
  version(): Promise<string>;
  hasImage(ref: string): Promise<boolean>;
  /** Throws ImagePullError when the image cannot be had. Aborts with `signal`. */
  pull(ref: string, onProgress: (p: PullProgress) => void, signal: AbortSignal): Promise<void>;
  /** Creates (never starts) a container; replaces a leftover one of the same name. */
  create(spec: ContainerSpec): Promise<string>;
  start(id: string): Promise<void>;
  /**
   * stdout and stderr entries in order, in batches, from the start, or from the entry stamped
   * `since` on (that entry included); ends when the container stops.
   */
  logs(id: string, opts: { signal: AbortSignal; since?: string }): AsyncIterable<LogEntry[]>;
  /**
   * Attaches to a created container's stdout and stderr: called before start(), nothing it
   * writes is missed. Resolves once attached. Entries have no stamp, each stream's output cut
   * at line ends (core/log-lines.ts), in order within a stream; they end when the container
   * stops, after its last output, or when `signal` aborts; a failed connection throws.
   * A reader that does not keep up slows the container's writes (the engine buffers little).
   * Optional: a runtime without it is read through logs() alone.
   */
  attach?(id: string, signal: AbortSignal): Promise<AsyncIterable<LogEntry[]>>;
  /** Resolves once the container is not running. */
  wait(id: string, signal?: AbortSignal): Promise<void>;
  /**
   * Docker's archive API (checkpoints). getArchive: a tar of `path` (its top entry is the path's
   * base name), of a running or stopped container; null when the path does not exist.
   * putArchive: extracts a tar into the existing directory `path`. pathExists: is there a file or
   * directory at `path`. A runtime without them cannot run tasks that checkpoint.
   */
  getArchive?(id: string, path: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array> | null>;
  putArchive?(id: string, path: string, tar: AsyncIterable<Uint8Array>): Promise<void>;
  pathExists?(id: string, path: string): Promise<boolean>;
  inspect(id: string): Promise<ContainerState>;
  /** A named volume's labels; null when there is no such volume. */
  volumeLabels(name: string): Promise<Record<string, string> | null>;
  /** Sends a signal; a container that is not running, or gone, is not an error. */
  kill(id: string, signal: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** Force-removes with volumes; a container already gone is not an error. */
  remove(id: string): Promise<void>;
  /** Every container carrying `label` ("key=value", or "key": any value), in any state. */
  list(label: string): Promise<ContainerSummary[]>;
}

/**
 * The image cannot be had. `permanent`: waiting will not help (no such image or repository,
 * access denied, a malformed reference), so the attempt should not be retried for it; otherwise
 * (registry or engine unreachable, a failure half-way through) a later try may succeed.
 * Decided from the engine's own codes where it is raised, never from the message.
 */
export class ImagePullError extends Error {
  readonly permanent: boolean;

  constructor(message: string, options: { permanent: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ImagePullError";
    this.permanent = options.permanent;
  }
}

/** "busybox" → "busybox:latest"; references with a tag or digest are left alone. */
export function withDefaultTag(ref: string): string {
  if (ref.includes("@")) return ref;
  const lastSlash = ref.lastIndexOf("/");
  return ref.slice(lastSlash + 1).includes(":") ? ref : `${ref}:latest`;
}
