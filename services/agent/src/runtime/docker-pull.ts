// Image pulls on the Docker Engine API (POST /images/create), and how their failures are told
// apart: permanent (retrying will not help) or transient. Only the Engine's own codes decide:
//
//   the request itself fails       its HTTP status: 4xx (400 bad reference, 401, 403, 404
//                                  no such manifest/repository, pull access denied) permanent,
//                                  except 408 and 429; 5xx, or no status at all (the engine
//                                  unreachable, the connection cut), transient
//   {"error"} in the 200 stream    `errorDetail.code` by the same rule when there is one;
//                                  without a code (what the Engine writes in practice: a blob
//                                  download failing half-way), transient
//
// Engine 20.10 answers 500 for registry errors it does not recognise, among them a registry's
// 401 and a MANIFEST_UNKNOWN whose body carries no `detail`: transient, by the rule.
// Called by DockerRuntime.pull only; aborts with `signal` (rejecting with its reason).
import type Docker from "dockerode";
import { ImagePullError, withDefaultTag, type PullProgress } from "./container-runtime.js";
import { messageOf } from "./error-message.js";

/** A line of the pull's progress stream, as the Engine writes it (jsonmessage.JSONMessage). */
export interface PullEvent {
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  progressDetail?: { current?: number; total?: number };
}

/** Whether an HTTP status (of the pull request, or a stream error's code) is a permanent failure. */
export function isPermanentStatus(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** The ImagePullError for a pull request that failed (dockerode's error: `statusCode`, `json`). */
export function requestPullError(err: unknown): ImagePullError {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return new ImagePullError(messageOf(err), { permanent: isPermanentStatus(typeof status === "number" ? status : undefined), cause: err });
}

/** The ImagePullError for an error line of the progress stream; undefined for other lines. */
export function streamPullError(ev: PullEvent): ImagePullError | undefined {
  if (!ev.error && !ev.errorDetail) return undefined;
  const message = (ev.errorDetail?.message ?? ev.error ?? "pull failed").trim();
  return new ImagePullError(message, { permanent: isPermanentStatus(ev.errorDetail?.code), cause: ev });
}

export async function pullImage(docker: Docker, ref: string, onProgress: (p: PullProgress) => void, signal: AbortSignal): Promise<void> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(withDefaultTag(ref), { abortSignal: signal });
  } catch (err) {
    signal.throwIfAborted();
    throw requestPullError(err);
  }
  const layers = new Map<string, { current: number; total: number }>();
  // Docker reports failures that come after the pull began inside the 200 response.
  let failure: ImagePullError | undefined;
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => (stream as unknown as { destroy(e?: Error): void }).destroy();
    signal.addEventListener("abort", onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) return reject(signal.reason);
        if (err) return reject(requestPullError(err));
        if (failure) return reject(failure);
        resolve();
      },
      (ev: PullEvent) => {
        failure ??= streamPullError(ev);
        if (ev.id && ev.progressDetail?.total) {
          layers.set(ev.id, { current: ev.progressDetail.current ?? 0, total: ev.progressDetail.total });
        }
        let current = 0;
        let total = 0;
        for (const l of layers.values()) {
          current += l.current;
          total += l.total;
        }
        onProgress({ current, total, status: ev.status ?? "" });
      },
    );
  });
}
