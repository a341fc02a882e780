/**
 * How a service reaches NATS (TRAINYARD_NATS_*): servers, credentials (a user and password, or
 * an nkey seed file; scripts/nats-conf.mjs writes one per service) and TLS (a CA to trust, and a
 * client certificate when the server verifies them). Read once at start-up; a bad value stops
 * it naming the variable.
 */
import { nkeyAuthenticator, type ConnectionOptions } from "@nats-io/transport-node";
import { envList, envString, readEnvFile, type Env } from "../config.js";
import { InvalidArgumentError } from "../errors.js";

export interface NatsTarget {
  servers: string[];
  /** Who connects: a user and password, or the seed of an nkey; none: anonymous. */
  auth?: { user: string; password: string } | { nkeyFile: string; seed: Uint8Array };
  /** PEM files: the CA that signed the server's certificate, and the client's certificate and key (mTLS). */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export function envNats(env: Env): NatsTarget {
  const servers = envList(env, "TRAINYARD_NATS_URL", "nats://127.0.0.1:4222");
  const user = envString(env, "TRAINYARD_NATS_USER", "");
  const password = env.TRAINYARD_NATS_PASSWORD ?? "";
  const nkeyFile = envString(env, "TRAINYARD_NATS_NKEY_FILE", "");
  if (nkeyFile && (user || password)) throw new InvalidArgumentError("TRAINYARD_NATS_NKEY_FILE", "give an nkey seed file or a user and password, not both");
  if (!user !== !password) throw new InvalidArgumentError(user ? "TRAINYARD_NATS_PASSWORD" : "TRAINYARD_NATS_USER", "TRAINYARD_NATS_USER and TRAINYARD_NATS_PASSWORD go together");
  const auth = nkeyFile ? { nkeyFile, seed: readSeed(nkeyFile) } : user ? { user, password } : undefined;

  const [caFile, certFile, keyFile] = ["TRAINYARD_NATS_TLS_CA", "TRAINYARD_NATS_TLS_CERT", "TRAINYARD_NATS_TLS_KEY"].map((name) => readable(env, name));
  if (!certFile !== !keyFile) throw new InvalidArgumentError(certFile ? "TRAINYARD_NATS_TLS_KEY" : "TRAINYARD_NATS_TLS_CERT", "TRAINYARD_NATS_TLS_CERT and TRAINYARD_NATS_TLS_KEY go together");
  const tls = caFile || certFile ? { ...(caFile && { caFile }), ...(certFile && keyFile && { certFile, keyFile }) } : undefined;
  return { servers, ...(auth && { auth }), ...(tls && { tls }) };
}

/** nats.js options for `target`; `inboxPrefix` keeps the client's replies on subjects only its user may read. */
export function natsConnectOptions(target: NatsTarget, inboxPrefix: string): ConnectionOptions {
  const { auth, tls } = target;
  return {
    servers: target.servers,
    inboxPrefix,
    ...(auth && "user" in auth ? { user: auth.user, pass: auth.password } : {}),
    ...(auth && "seed" in auth ? { authenticator: nkeyAuthenticator(auth.seed) } : {}),
    ...(tls ? { tls } : {}),
  };
}

/** A user nkey seed ("SU…", as `nk -gen user` and scripts/nats-conf.mjs write it), the file's first such line. */
function readSeed(file: string): Uint8Array {
  const text = readEnvFile("TRAINYARD_NATS_NKEY_FILE", file).toString("utf8");
  const seed = text.split(/\s+/).find((w) => /^SU[A-Z2-7]{56}$/.test(w));
  if (!seed) throw new InvalidArgumentError("TRAINYARD_NATS_NKEY_FILE", `${file} holds no user nkey seed (SU...)`);
  return new TextEncoder().encode(seed);
}

function readable(env: Env, name: string): string {
  const file = envString(env, name, "");
  if (file) readEnvFile(name, file);
  return file;
}
