// Test harness: a tiny Docker registry (distribution API v2, plain HTTP) on 127.0.0.1 and a
// random port, so pulls can fail, hang or succeed against the real Engine without leaving the
// machine. dockerd treats 127.0.0.0/8 registries as insecure: it tries HTTPS, then HTTP.
// Repositories (any tag):
//   tiny      a real one-layer image (one file, no shell): pulls succeed
//   denied    403 DENIED                      private  401 UNAUTHORIZED
//   broken    a manifest whose blobs are missing (the pull fails once it has begun)
//   hang      manifest requests never answered (until the registry closes)
//   anything else: 404 MANIFEST_UNKNOWN
// Error bodies carry a `detail`, as distribution's registry and Docker Hub send them: the Engine's
// registry client turns an error whose message is exactly its code's default text and has no
// detail into a bare code, which the Engine then answers 500 instead of 404 (seen on 20.10).
import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";

export interface TestRegistry {
  /** "127.0.0.1:<port>" */
  readonly host: string;
  /** Requests seen, "METHOD path", in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

const MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json";

export async function startRegistry(): Promise<TestRegistry> {
  const image = tinyImage();
  const broken = tinyImage("broken");
  const requests: string[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    requests.push(`${req.method} ${url}`);
    if (url === "/v2/" || url === "/v2") return json(res, 200, {});
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url);
    if (!m) return error(res, 404, "NAME_UNKNOWN", "repository name not known to registry", { url });
    const [, repo, kind, ref] = m as unknown as [string, string, string, string];
    if (repo === "hang") return void hanging.add(res);
    if (repo === "private") return error(res, 401, "UNAUTHORIZED", "authentication required", [{ Type: "repository", Name: repo, Action: "pull" }]);
    if (repo === "denied") return error(res, 403, "DENIED", "requested access to the resource is denied", {});
    const img = repo === "tiny" ? image : repo === "broken" ? broken : undefined;
    if (kind === "manifests") {
      if (!img) return error(res, 404, "MANIFEST_UNKNOWN", "manifest unknown", { Tag: ref });
      return blob(res, req.method, img.manifest, MANIFEST_TYPE);
    }
    const b = repo === "tiny" ? image.blobs.get(ref) : undefined;
    if (!b) return error(res, 404, "BLOB_UNKNOWN", "blob unknown to registry", ref);
    return blob(res, req.method, b, "application/octet-stream");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json", "Docker-Distribution-Api-Version": "registry/2.0" });
  res.end(JSON.stringify(body));
}

function error(res: http.ServerResponse, status: number, code: string, message: string, detail: unknown): void {
  json(res, status, { errors: [{ code, message, detail }] });
}

function blob(res: http.ServerResponse, method: string | undefined, body: Buffer, type: string): void {
  res.writeHead(200, { "Content-Type": type, "Content-Length": body.length, "Docker-Content-Digest": digest(body), "Docker-Distribution-Api-Version": "registry/2.0" });
  res.end(method === "HEAD" ? undefined : body);
}

function digest(b: Buffer): string {
  return `sha256:${createHash("sha256").update(b).digest("hex")}`;
}

/** A schema-2 image with one gzipped layer holding /hello.txt; `salt` changes its digests. */
function tinyImage(salt = "tiny"): { manifest: Buffer; blobs: Map<string, Buffer> } {
  const tar = tarOf("hello.txt", Buffer.from(`hello from the test registry (${salt})\n`));
  const layer = gzipSync(tar);
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const config = Buffer.from(JSON.stringify({ architecture: arch, os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [digest(tar)] } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: "application/vnd.docker.container.image.v1+json", size: config.length, digest: digest(config) },
      layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: layer.length, digest: digest(layer) }],
    }),
  );
  return { manifest, blobs: new Map([[digest(config), config], [digest(layer), layer]]) };
}

/** A ustar archive with one regular file. */
function tarOf(name: string, content: Buffer): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string, at: number, len: number) => h.write(s.slice(0, len), at, len, "latin1");
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, "0") + "\0";
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(content.length, 12), 124, 12);
  put(octal(0, 12), 136, 12);
  put("        ", 148, 8);
  put("0", 156, 1);
  put("ustar\u000000", 257, 8);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([h, content, pad, Buffer.alloc(1024)]);
}
