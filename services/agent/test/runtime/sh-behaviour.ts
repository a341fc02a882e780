// A FakeRuntime Behaviour acted out by a real container: a busybox `sh -c` script (and, for
// the behaviours a script cannot show, the spec around it). Used by the contract suite on the
// Docker Engine (test/runtime-contract.test.ts), so that the fake and Docker run the same cases.
//
//   output            printf per line (stderr: >&2), sleep for pauses
//   durationMs        sleep for what the pauses left; Infinity: `while :; do sleep 1; done`
//   oom               then `exec tail /dev/zero` under an 8 MiB memory limit (no swap): the OOM
//                     killer ends the container's own process, 137. (Without exec, sh outlives
//                     its killed child and exits 0: Docker still says oomKilled, for any process
//                     of the container the killer chose.)
//   ignoreSigterm     trap '' TERM first (docker-init hands SIGTERM to sh, which ignores it)
//   startError        a read-only bind mount of an empty directory onto /bin/busybox: runc
//                     cannot mount a directory onto a file, so start fails (400), the container
//                     stays "created" with exit code 127
//   createError       a bind mount of a source that does not exist: create fails (400)
// The script's exit code is `exitCode`. Messages (startError, createError) are Docker's own.
import { CAPABILITIES, OOM_SCORE_ADJ } from "../../src/core/container-spec.js";
import type { ContainerSpec } from "../../src/runtime/container-runtime.js";
import type { Behaviour } from "../../src/runtime/fake-behaviour.js";

export const OOM_LIMIT_BYTES = 8 * 1024 * 1024;

export interface ShTarget {
  image: string;
  /** An existing empty directory (for startError). */
  emptyDir: string;
}

export function shSpec(t: ShTarget, name: string, b: Behaviour, labels: Record<string, string>): ContainerSpec {
  const mounts: ContainerSpec["mounts"] = [];
  if (b.startError) mounts.push({ type: "bind", source: t.emptyDir, target: "/bin/busybox", readOnly: true });
  if (b.createError) mounts.push({ type: "bind", source: `${t.emptyDir}/does-not-exist`, target: "/x", readOnly: true });
  return {
    name,
    image: t.image,
    command: ["sh", "-c", shScript(b)],
    env: {},
    labels,
    nanoCpus: 0,
    memoryBytes: b.oom ? OOM_LIMIT_BYTES : 0,
    pidsLimit: 0,
    gpuIds: [],
    gpuMode: "env",
    network: "none",
    // The profile every task runs with, so the contract holds for it.
    capabilities: CAPABILITIES,
    oomScoreAdj: OOM_SCORE_ADJ,
    readOnlyRootfs: false,
    mounts,
  };
}

export function shScript(b: Behaviour): string {
  const parts: string[] = [];
  if (b.ignoreSigterm) parts.push("trap '' TERM");
  let paused = 0;
  for (const s of b.output ?? []) {
    if ("pauseMs" in s) {
      paused += s.pauseMs;
      parts.push(`sleep ${seconds(s.pauseMs)}`);
      continue;
    }
    const [text, to] = "stdout" in s ? [s.stdout, ""] : [s.stderr, " >&2"];
    if (s.repeat === undefined) parts.push(`printf '%s\\n' ${quote(text)}${to}`);
    else parts.push(`for i in $(seq 1 ${s.repeat}); do printf '%s\\n' ${text.split("%i").map(quote).join('"$i"')}${to}; done`);
  }
  const left = (b.durationMs ?? 0) - paused;
  if (left === Infinity) parts.push("while :; do sleep 1; done");
  else if (left > 0) parts.push(`sleep ${seconds(left)}`);
  if (b.oom) parts.push("exec tail /dev/zero");
  parts.push(`exit ${b.exitCode ?? 0}`);
  return parts.join("; ");
}

function quote(s: string): string {
  return `'${s.replaceAll("'", `'"'"'`)}'`;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
