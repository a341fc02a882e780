import { describe, expect, it } from "vitest";
import { envListenAddress } from "../src/config.js";
import { InvalidArgumentError } from "../src/errors.js";

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
