import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests import workspace packages from source, so `vitest` never runs against a stale dist/.
const dirs: Record<string, string> = {
  client: "clients/ts",
  common: "packages/common",
  scheduler: "services/scheduler",
  agent: "services/agent",
};
const src = (pkg: string) => fileURLToPath(new URL(`./${dirs[pkg]}/src`, import.meta.url));
const alias = Object.keys(dirs).flatMap((pkg) => [
  { find: new RegExp(`^@trainyard/${pkg}$`), replacement: `${src(pkg)}/index.ts` },
  { find: new RegExp(`^@trainyard/${pkg}/(.*)$`), replacement: `${src(pkg)}/$1.ts` },
]);

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          sequence: { groupOrder: 0 },
          include: ["{clients,packages,services}/*/test/**/*.test.ts"],
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          sequence: { groupOrder: 1 },
          include: ["test/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Suites each start their own nats-server; Docker is shared, so keep parallelism modest.
          maxWorkers: 2,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "bench",
          include: ["bench/**/*.bench.test.ts"],
          // One table at the end (bench/lib/table.ts); one bench at a time, so none measures another.
          globalSetup: ["bench/lib/global.ts"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
