import { describe, expect, it } from "vitest";
import { envListenAddress, envTls } from "../src/config.js";
import { InvalidArgumentError } from "../src/errors.js";
import { makeCerts } from "./grpc/certs.js";

describe("envListenAddress", () => {
  it.each([
    [{}, "127.0.0.1:9464"],
    [{ X: "" }, ""],
    [{ X: "  " }, ""],
    [{ X: "0.0.0.0:9100" }, "0.0.0.0:9100"],
    [{ X: " 127.0.0.1:0 " }, "127.0.0.1:0"],
    [{ X: "[::1]:9464" }, "[::1]:9464"],
  ])("%j → %j (unset: the default; empty: off)", (env, want) => {
    expect(envListenAddress(env, "X", "127.0.0.1:9464")).toBe(want);
  });

  it("refuses what is not host:port, naming the variable", () => {
    expect(() => envListenAddress({ TRAINYARD_METRICS_ADDR: "9464" }, "TRAINYARD_METRICS_ADDR", "")).toThrow(InvalidArgumentError);
    expect(() => envListenAddress({ TRAINYARD_METRICS_ADDR: "localhost" }, "TRAINYARD_METRICS_ADDR", "")).toThrow(/TRAINYARD_METRICS_ADDR/);
  });
});

describe("envTls", () => {
  const certs = makeCerts();
  const [cert, key, ca] = [certs.serverCert, certs.serverKey, certs.ca];
  const field = (env: Record<string, string>) => {
    try {
      envTls(env);
      return "ok";
    } catch (err) {
      return (err as InvalidArgumentError).field;
    }
  };

  it("is off without variables, and reads the files with them", () => {
    expect(envTls({})).toBeUndefined();
    expect(envTls({ TRAINYARD_TLS_CERT: cert, TRAINYARD_TLS_KEY: key })).toEqual({ cert: certs.read(cert), key: certs.read(key) });
    expect(envTls({ TRAINYARD_TLS_CERT: cert, TRAINYARD_TLS_KEY: key, TRAINYARD_TLS_CLIENT_CA: ca })?.clientCa).toEqual(certs.read(ca));
  });

  it("names the variable that is missing, unreadable, or alone", () => {
    expect(field({ TRAINYARD_TLS_CERT: cert })).toBe("TRAINYARD_TLS_KEY");
    expect(field({ TRAINYARD_TLS_KEY: key })).toBe("TRAINYARD_TLS_CERT");
    expect(field({ TRAINYARD_TLS_CLIENT_CA: ca })).toBe("TRAINYARD_TLS_CLIENT_CA");
    expect(field({ TRAINYARD_TLS_CERT: cert, TRAINYARD_TLS_KEY: `${certs.dir}/absent` })).toBe("TRAINYARD_TLS_KEY");
    expect(field({ TRAINYARD_TLS_CERT: cert, TRAINYARD_TLS_KEY: certs.clientKey })).toBe("TRAINYARD_TLS_CERT"); // not its key
    expect(field({ TRAINYARD_TLS_CERT: ca, TRAINYARD_TLS_KEY: key, TRAINYARD_TLS_CLIENT_CA: key })).toBe("TRAINYARD_TLS_CERT");
  });
});
