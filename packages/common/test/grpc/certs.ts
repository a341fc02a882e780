// Test helper: a throwaway certificate authority made with openssl (no network, no registry):
// a CA, a server certificate for 127.0.0.1 and localhost, and a client certificate, all signed
// by it, as PEM files in a temporary directory.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface TestCerts {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The files' contents. */
  read(file: string): Buffer;
}

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(path.join(os.tmpdir(), "trainyard-tls-"));
  const f = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Trainyard test CA", "-keyout", f("ca.key"), "-out", f("ca.pem"));
  const issue = (name: string, subject: string, ext: string) => {
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", f(`${name}.key`), "-out", f(`${name}.csr`));
    const extFile = f(`${name}.ext`);
    execFileSync("sh", ["-c", `printf '%s\\n' "$1" > "$2"`, "sh", ext, extFile]);
    openssl("x509", "-req", "-in", f(`${name}.csr`), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", extFile, "-out", f(`${name}.pem`));
  };
  issue("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
  issue("client", "/CN=trainyard-test-client", "extendedKeyUsage=clientAuth");
  return {
    dir,
    ca: f("ca.pem"),
    serverCert: f("server.pem"),
    serverKey: f("server.key"),
    clientCert: f("client.pem"),
    clientKey: f("client.key"),
    read: (file) => readFileSync(file),
  };
}
