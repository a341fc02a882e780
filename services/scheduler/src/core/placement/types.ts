/**
 * What the placer sees and decides (issue 10). A snapshot of nodes, running and pending attempts
 * and namespace quotas goes in; placements, preemptions and why each other pending attempt waits
 * come out. Pure data: the IO shell builds the snapshot from the task and node views.
 */

export interface Resources {
  /** 0: no CPU limit asked for (counts as none). */
  cpus: number;
  /** 0: no memory limit asked for (counts as none). */
  memoryBytes: number;
  gpus: number;
}

export type NetworkMode = "none" | "host" | "bridge";

/** A node as its heartbeat advertises it. */
export interface NodeCapacity {
  id: string;
  pools: string[];
  labels: Record<string, string>;
  networkModes: NetworkMode[];
  slots: number;
  /** 0: not advertised (no CPU accounting on this node). */
  cpus: number;
  /** 0: not advertised (no memory accounting on this node). */
  memoryBytes: number;
  /** Device ids, in the order they are handed out. */
  gpuIds: string[];
  /** False while draining or lost: nothing new is placed on it (it still counts for "could ever fit" unless lost). */
  schedulable: boolean;
  lost?: boolean;
}

/** An attempt that holds resources on a node (placed, claimed or running, not yet final). */
export interface RunningAttempt {
  taskId: string;
  attempt: number;
  nodeId: string;
  namespace: string;
  priority: number;
  preemptible: boolean;
  /** When it was placed; the most recent are preempted first. */
  startTime: number;
  resources: Resources;
  gpuIds: string[];
  /** Being preempted for this pending task: its resources come back once it stops. */
  preemptedFor?: string;
  /** Its array, when it is one's (counted against the array's max_parallel). */
  arrayId?: string;
}

export interface PendingAttempt {
  taskId: string;
  /** Its array and the array's max_parallel, when it is one's with a limit. */
  array?: { id: string; maxParallel: number };
  attempt: number;
  namespace: string;
  pool: string;
  /** 1–100, higher first. */
  priority: number;
  /** When it joined the queue (submit, or the end of the attempt before): older first. */
  queuedAt: number;
  resources: Resources;
  nodeLabels: Record<string, string>;
  network: NetworkMode;
  /**
   * The node where attempts were preempted for it (kept in its record until it is placed): the
   * room stays its own after they stop, so no one else takes it and it does not preempt again.
   */
  reservedOn?: string;
}

export interface Quota {
  maxRunning?: number;
  maxGpus?: number;
}

export interface Snapshot {
  nodes: NodeCapacity[];
  running: RunningAttempt[];
  pending: PendingAttempt[];
  quotas: Record<string, Quota>;
}

export interface Placement {
  taskId: string;
  attempt: number;
  nodeId: string;
  gpuIds: string[];
}

export interface Preemption {
  taskId: string;
  attempt: number;
  nodeId: string;
  /** The pending task it makes room for. */
  forTaskId: string;
}

/** Why a pending attempt was not placed this round (placement/reasons.ts words it). */
export type WaitReason =
  | { kind: "unschedulable"; pool: string; why: Unfit }
  | { kind: "quota"; namespace: string; quota: "max_running" | "max_gpus"; used: number; limit: number }
  | { kind: "preempting"; nodeId: string; victims: number }
  | { kind: "room"; pool: string; position: number }
  | { kind: "array"; arrayId: string; maxParallel: number };

/** What no node of a pool has (for "unschedulable"). */
export type Unfit =
  | { kind: "no-nodes" }
  | { kind: "gpus"; want: number; largest: number }
  | { kind: "cpus"; want: number; largest: number }
  | { kind: "memory"; want: number; largest: number }
  | { kind: "labels"; want: Record<string, string> }
  | { kind: "network"; want: NetworkMode }
  /** Every resource exists on some node, never all at once on one. */
  | { kind: "together"; want: Resources };

export interface Decision {
  place: Placement[];
  preempt: Preemption[];
  waiting: Map<string, WaitReason>;
  /**
   * Pending attempts not ordered nor searched for: once no node has a free slot and none of the
   * rest could preempt, the round only checks them for quotas and being unschedulable
   * (`waiting` has those). The others wait for room; no place in line is computed for them.
   */
  unexamined: number;
}
