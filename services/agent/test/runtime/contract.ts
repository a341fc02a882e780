// The ContainerRuntime contract: the behaviour of a container engine the runner relies on,
// as test cases that run unchanged on FakeRuntime (fake-runtime.test.ts, unit) and on the
// Docker Engine (test/runtime-contract.test.ts, integration), so that the fake cannot drift.
// A target says how to act out a Behaviour on its runtime (FakeRuntime.command, or a busybox
// script: sh-behaviour.ts) and which image references play each part in the pull cases.
// Cases: containers (contract-containers.ts), images and volumes (contract-images.ts).
import { afterEach, describe } from "vitest";
import { containerCases } from "./contract-containers.js";
import { imageCases } from "./contract-images.js";
import type { ContractCtx, ContractTarget } from "./contract-support.js";

export type { ContractImages, ContractTarget } from "./contract-support.js";

export function runtimeContract(name: string, target: () => ContractTarget): void {
  describe(name, () => {
    const made: string[] = [];
    afterEach(async () => {
      const rt = target().runtime;
      for (const id of made.splice(0)) await rt.remove(id).catch(() => {});
    });
    const ctx: ContractCtx = {
      t: target,
      async run(n, b, o = {}) {
        const t = target();
        const id = await t.runtime.create(t.spec(`${t.prefix}-${n}`, b, o.labels));
        made.push(id);
        if (!o.created) await t.runtime.start(id);
        return id;
      },
    };
    containerCases(ctx);
    imageCases(ctx);
  });
}
