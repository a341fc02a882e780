// Test harness: Docker Engine checks over its API socket, with node built-ins only.
// The engine is the one scripts/setup.sh starts (dockerd --bridge=none --iptables=false).
import http from "node:http";

/** Local image built by scripts/setup.sh from Debian's busybox-static (no registry needed). */
export const TEST_IMAGE = "trainyard/busybox:test";

/** The training example's image, built by scripts/setup.sh (examples/train/build-local.sh). */
export const TRAIN_IMAGE = process.env.TRAINYARD_TRAIN_IMAGE ?? "trainyard/train:local";

const SETUP_HINT = "run scripts/setup.sh (as root) to install docker.io, start dockerd and build the test image";

type Endpoint = { socketPath: string; where: string } | { host: string; port: number; where: string };

/** Where the Engine API is: `dh` (DOCKER_HOST syntax: unix:// or tcp:// without TLS), DOCKER_HOST, or /var/run/docker.sock. */
export function dockerEndpoint(dh = process.env.DOCKER_HOST): Endpoint {
  if (!dh) return { socketPath: "/var/run/docker.sock", where: "unix:///var/run/docker.sock" };
  if (dh.startsWith("unix://")) return { socketPath: dh.slice("unix://".length), where: dh };
  if (dh.startsWith("tcp://")) {
    const u = new URL(dh.replace(/^tcp:/, "http:"));
    return { host: u.hostname, port: Number(u.port || 2375), where: dh };
  }
  throw new Error(`DOCKER_HOST=${dh} is not supported by the test harness (use unix:// or tcp://)`);
}

export interface DockerResponse {
  status: number;
  body: string;
}

/** One Engine API request; resolves with status and body text (any status), rejects on transport errors. */
export function dockerRequest(
  method: string,
  apiPath: string,
  body?: unknown,
  timeoutMs = 30_000,
  dockerHost?: string,
): Promise<DockerResponse> {
  const ep = dockerEndpoint(dockerHost);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        ...("socketPath" in ep ? { socketPath: ep.socketPath } : { host: ep.host, port: ep.port }),
        method,
        path: apiPath,
        headers: {
          Host: "docker",
          ...(payload ? { "Content-Type": "application/json", "Content-Length": payload.length } : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${apiPath}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Resolves when the Docker Engine answers GET /_ping; otherwise throws an error that says what to do. */
export async function dockerAvailable(): Promise<void> {
  let where = "unix:///var/run/docker.sock";
  try {
    const ep = dockerEndpoint();
    where = ep.where;
    const res = await dockerRequest("GET", "/_ping", undefined, 5000);
    if (res.status === 200 && res.body.trim() === "OK") return;
    throw new Error(`GET /_ping answered ${res.status} ${res.body.trim().slice(0, 200)}`);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === "ENOENT"
        ? "no socket (dockerd is not running)"
        : err.code === "ECONNREFUSED"
          ? "connection refused (dockerd is not running)"
          : err.code === "EACCES"
            ? "permission denied (run as root or join the 'docker' group)"
            : err.message;
    throw new Error(`Docker Engine not available at ${where}: ${why}; ${SETUP_HINT}`);
  }
}

interface ContainerSummary {
  Id: string;
}

/** Ids of all containers (any state) carrying the label `key` or `key=value` (on `dockerHost`, default DOCKER_HOST). */
export async function listContainers(label: string, dockerHost?: string): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  const res = await dockerRequest("GET", `/containers/json?all=1&filters=${filters}`, undefined, 30_000, dockerHost);
  if (res.status !== 200) throw new Error(`GET /containers/json answered ${res.status}: ${res.body.slice(0, 300)}`);
  return (JSON.parse(res.body) as ContainerSummary[]).map((c) => c.Id);
}

/** Force-removes all containers with the label (cleanup after a failed test). Returns the ids removed. */
export async function removeContainers(label: string): Promise<string[]> {
  const ids = await listContainers(label);
  for (const id of ids) {
    const res = await dockerRequest("DELETE", `/containers/${id}?force=1&v=1`);
    if (res.status !== 204 && res.status !== 404) {
      throw new Error(`DELETE /containers/${id} answered ${res.status}: ${res.body.slice(0, 300)}`);
    }
  }
  return ids;
}

/** True when the image is on the Engine. */
export async function imageExists(ref: string): Promise<boolean> {
  const res = await dockerRequest("GET", `/images/${encodeURIComponent(ref)}/json`);
  return res.status === 200;
}

/** A volume's labels, or null when there is no such volume. */
export async function volumeLabels(name: string): Promise<Record<string, string> | null> {
  const res = await dockerRequest("GET", `/volumes/${encodeURIComponent(name)}`);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`GET /volumes/${name} answered ${res.status}: ${res.body.slice(0, 300)}`);
  return (JSON.parse(res.body) as { Labels: Record<string, string> | null }).Labels ?? {};
}

/** Removes the named volumes a test created (a volume already gone is fine). */
export async function removeVolumes(names: Iterable<string>): Promise<void> {
  for (const name of names) {
    const res = await dockerRequest("DELETE", `/volumes/${encodeURIComponent(name)}?force=1`);
    if (res.status !== 204 && res.status !== 404) throw new Error(`DELETE /volumes/${name} answered ${res.status}: ${res.body.slice(0, 300)}`);
  }
}
