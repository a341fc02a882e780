// The deployment files as `docker compose up` reads them (Docker itself cannot run here):
// every compose file at the repository root is parsed, and what it points at is checked
// against this checkout: build contexts, Dockerfiles and their targets, COPY sources (through
// .dockerignore), image references, the TRAINYARD_* variables each service sets (the service's
// config loader must read them, and must accept their values), volumes, dependencies,
// healthchecks and metrics ports; the cluster file's NATS servers must form one JetStream
// cluster and Trainyard must replicate its streams and buckets on it.
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadAgentConfig } from "@trainyard/agent";
import { loadSchedulerConfig } from "@trainyard/scheduler";
import { imageReferenceError } from "@trainyard/scheduler/core/image-ref";
import { nkeys } from "@nats-io/transport-node";
import {
  argv,
  build,
  composeFiles,
  CONF_DIR,
  dependsOn,
  environmentWith,
  flag,
  generateNatsConf,
  interpolate,
  kind,
  load,
  publishedTargets,
  repo,
  variablesRead,
  type Service,
} from "./compose-file.js";
import { copyParts, dockerfileInstructions, envPairs, fromParts, isIgnored, parseDockerignore } from "./build-files.js";

describe("build-file readers", () => {
  it("match .dockerignore patterns like docker build does", () => {
    const rules = parseDockerignore("**/node_modules\n**/dist\nclients/ts/src/gen\n.git\nlogs\n*.md\n!README.md\n");
    expect(isIgnored(rules, "node_modules")).toBe(true);
    expect(isIgnored(rules, "packages/common/node_modules/x")).toBe(true);
    expect(isIgnored(rules, "services/agent/dist")).toBe(true);
    expect(isIgnored(rules, "clients/ts/src/gen/trainyard")).toBe(true);
    expect(isIgnored(rules, "clients/ts/src")).toBe(false);
    expect(isIgnored(rules, "CHANGES.md")).toBe(true);
    expect(isIgnored(rules, "README.md")).toBe(false);
    expect(isIgnored(rules, "services/agent/logs")).toBe(false);
    expect(isIgnored(rules, "package.json")).toBe(false);
  });

  it("read Dockerfile instructions across continuation lines", () => {
    const ins = dockerfileInstructions("FROM a AS b\n# c\nENV X=1 \\\n    Y=\"two words\"\nCOPY --chown=node a b ./\nFROM b AS c\n");
    expect(ins.map((i) => [i.op, i.stage])).toEqual([["FROM", 0], ["ENV", 0], ["COPY", 0], ["FROM", 1]]);
    expect(envPairs(ins[1]!.args)).toEqual({ X: "1", Y: "two words" });
    expect(copyParts(ins[2]!.args)).toEqual({ flags: { chown: "node" }, sources: ["a", "b"], dest: "./" });
    expect(fromParts(ins[3]!.args)).toEqual({ image: "b", name: "c" });
  });
});

describe("compose files", () => {
  it("are there: the single-node one and the 3-node NATS cluster", () => {
    expect(composeFiles).toEqual(expect.arrayContaining(["docker-compose.yml", "docker-compose.cluster.yml"]));
  });

  describe.each(composeFiles)("%s", (file) => {
    const compose = load(file);
    const services = Object.entries(compose.services);
    const conf = generateNatsConf(compose);
    const environment = (s: Service) => environmentWith(s, conf);

    it("has only top-level keys Compose v1 (Debian's docker-compose 1.29) reads too", () => {
      const v1 = ["version", "services", "volumes", "networks", "configs", "secrets"];
      expect(Object.keys(compose).filter((k) => !v1.includes(k) && !k.startsWith("x-"))).toEqual([]);
    });

    it("publishes each host port once, on 127.0.0.1", () => {
      const published = services.flatMap(([, s]) => (s.ports ?? []).map(String));
      for (const p of published) expect(p).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      const hostPorts = published.map((p) => p.split(":")[1]);
      expect(new Set(hostPorts).size).toBe(hostPorts.length);
    });

    it("has a scheduler, an agent and NATS", () => {
      const kinds = services.map(([, s]) => kind(s));
      expect(kinds).toContain("scheduler");
      expect(kinds).toContain("agent");
      expect(kinds).toContain("nats");
    });

    it.each(services)("%s: build context, Dockerfile and target exist", (_name, s) => {
      const b = build(s);
      if (!b) return void expect(s.image, "a service without build needs an image").toBeTruthy();
      expect(statSync(b.context).isDirectory()).toBe(true);
      expect(existsSync(b.dockerfile), b.dockerfile).toBe(true);
      if (b.target) {
        const stages = dockerfileInstructions(readFileSync(b.dockerfile, "utf8"))
          .filter((i) => i.op === "FROM")
          .map((i) => fromParts(i.args).name);
        expect(stages).toContain(b.target);
      }
    });

    it.each(services)("%s: every COPY source of its Dockerfile is in the build context", (_name, s) => {
      const b = build(s);
      if (!b) return;
      const ignorePath = path.join(b.context, ".dockerignore");
      const rules = existsSync(ignorePath) ? parseDockerignore(readFileSync(ignorePath, "utf8")) : [];
      const copies = dockerfileInstructions(readFileSync(b.dockerfile, "utf8")).filter((i) => i.op === "COPY" || i.op === "ADD");
      expect(copies.length).toBeGreaterThan(0);
      for (const c of copies) {
        const { flags, sources } = copyParts(c.args);
        if (flags.from !== undefined) continue; // from another stage, not the context
        for (const src of sources) {
          expect(existsSync(path.join(b.context, src)), `COPY ${src}: missing from the context`).toBe(true);
          expect(isIgnored(rules, src), `COPY ${src}: excluded by .dockerignore`).toBe(false);
        }
      }
    });

    it.each(services)("%s: image references are valid (its own and its Dockerfile's base images)", (_name, s) => {
      const refs = s.image ? [interpolate(s.image)] : [];
      const b = build(s);
      if (b) {
        const ins = dockerfileInstructions(readFileSync(b.dockerfile, "utf8"));
        const stageNames = new Set(ins.filter((i) => i.op === "FROM").map((i) => fromParts(i.args).name));
        for (const f of ins.filter((i) => i.op === "FROM")) {
          const { image } = fromParts(f.args);
          if (!stageNames.has(image)) refs.push(image);
        }
      }
      expect(refs.length).toBeGreaterThan(0);
      for (const r of refs) expect(imageReferenceError(r), r).toBeNull();
    });

    it.each(services)("%s: sets only TRAINYARD_* variables its config loaders read, with values they accept", (_name, s) => {
      const k = kind(s);
      const env = environment(s);
      const set = Object.keys(env).filter((v) => v.startsWith("TRAINYARD_"));
      if (k !== "scheduler" && k !== "agent") return void expect(set).toEqual([]);
      const read = variablesRead(k);
      expect(set.filter((v) => !read.has(v))).toEqual([]);
      // The Dockerfile's ENV defaults for this target too.
      const ins = dockerfileInstructions(readFileSync(build(s)!.dockerfile, "utf8"));
      const stages = ins.filter((i) => i.op === "FROM").map((i) => fromParts(i.args));
      const targetStage = stages.findIndex((st) => st.name === k);
      const imageEnv = Object.assign({}, ...ins.filter((i) => i.op === "ENV" && i.stage === targetStage).map((i) => envPairs(i.args))) as Record<string, string>;
      expect(Object.keys(imageEnv).filter((v) => v.startsWith("TRAINYARD_") && !read.has(v))).toEqual([]);
      const load = k === "scheduler" ? loadSchedulerConfig : loadAgentConfig;
      expect(() => load({ ...imageEnv, ...env })).not.toThrow();
    });

    it.each(services)("%s: named volumes are declared, depends_on names services", (_name, s) => {
      for (const v of s.volumes ?? []) {
        const source = typeof v === "string" ? v.split(":")[0]! : (v.source ?? "");
        const named = typeof v === "string" ? v.includes(":") && !/^[./~]/.test(source) : v.type === "volume";
        if (named) expect(Object.keys(compose.volumes ?? {}), `volume ${source}`).toContain(source);
      }
      for (const d of dependsOn(s)) expect(Object.keys(compose.services)).toContain(d);
    });

    it.each(services)("%s: has a healthcheck (a one-shot, completion); a service's metrics port is published and checked", (_name, s) => {
      if (kind(s) === "nats-config") {
        expect((s as { restart?: string }).restart).toBe("no");
        return;
      }
      expect(s.healthcheck?.test, "healthcheck").toBeTruthy();
      expect(s.healthcheck?.disable).not.toBe(true);
      const k = kind(s);
      if (k !== "scheduler" && k !== "agent") return;
      const cfg = k === "scheduler" ? loadSchedulerConfig(environment(s)) : loadAgentConfig(environment(s));
      const port = Number(cfg.metricsAddr.split(":").pop());
      expect(cfg.metricsAddr).toMatch(/^0\.0\.0\.0:\d+$/);
      expect(publishedTargets(s)).toContain(port);
      expect(publishedTargets(s)).toContain(Number(cfg.grpcAddr.split(":").pop()));
      expect(JSON.stringify(s.healthcheck!.test)).toContain(`127.0.0.1:${port}/metrics`);
    });

    it("agents mount the Docker socket and keep their log directory in a volume", () => {
      for (const [, s] of services.filter(([, s]) => kind(s) === "agent")) {
        const mounts = (s.volumes ?? []).map((v) => (typeof v === "string" ? v : `${v.source}:${v.target}`));
        expect(mounts).toContain("/var/run/docker.sock:/var/run/docker.sock");
        const logDir = loadAgentConfig(environment(s)).logDir;
        expect(mounts.some((m) => m.endsWith(`:${logDir}`) && !m.startsWith("/"))).toBe(true);
      }
    });

    it("NATS runs with the generated users and permissions; the scheduler and the agent connect as their own users", () => {
      const [[, generator]] = services.filter(([, s]) => kind(s) === "nats-config") as [[string, Service]];
      const confVolume = (generator.volumes ?? []).map(String).find((v) => v.endsWith(`:${CONF_DIR}`))!;
      expect(confVolume).toBeTruthy();
      const mountsConf = (s: Service) => (s.volumes ?? []).map(String).some((v) => v.startsWith(`${confVolume.split(":")[0]}:${CONF_DIR}`));
      const text = readFileSync(path.join(conf, "nats-server.conf"), "utf8");
      const userOf = (seedFile: string) => nkeys.fromSeed(new TextEncoder().encode(readFileSync(seedFile, "utf8").trim())).getPublicKey();
      for (const [name, s] of services) {
        const k = kind(s);
        if (k === "nats") {
          expect(flag(argv(s), "-c", "--config"), name).toBe(`${CONF_DIR}/nats-server.conf`);
          expect(mountsConf(s), name).toBe(true);
          expect((s.depends_on as Record<string, { condition?: string }>)["nats-config"]?.condition, name).toBe("service_completed_successfully");
        }
        if (k === "scheduler" || k === "agent") {
          expect(mountsConf(s), name).toBe(true);
          const seed = environment(s).TRAINYARD_NATS_NKEY_FILE!;
          expect(seed, name).toBeTruthy();
          const key = userOf(seed);
          // The scheduler's user may publish dispatches; the agent's only its own node's subjects.
          const line = text.split("\n").find((l) => l.includes(`"${key}"`))!;
          expect(line, name).toBeTruthy();
          if (k === "scheduler") expect(line).toContain('"trainyard.dispatch.>"');
          else expect(line).toContain(`"trainyard.events.*.${loadAgentConfig(environment(s)).nodeId}"`);
        }
      }
    });

    it("NATS runs JetStream with its store in a volume; the services' NATS URLs name its servers", () => {
      const nats = services.filter(([, s]) => kind(s) === "nats");
      for (const [, s] of nats) {
        const args = argv(s);
        expect(args.some((a) => a === "-js" || a === "--jetstream")).toBe(true);
        const store = flag(args, "-sd", "--store_dir");
        expect(store).toBeTruthy();
        expect((s.volumes ?? []).map(String).some((v) => v.endsWith(`:${store}`) && !v.startsWith("/"))).toBe(true);
      }
      const natsNames = nats.map(([n]) => n);
      for (const [, s] of services.filter(([, s]) => kind(s) === "scheduler" || kind(s) === "agent")) {
        const cfg = kind(s) === "scheduler" ? loadSchedulerConfig(environment(s)) : loadAgentConfig(environment(s));
        const hosts = cfg.nats.servers.map((u) => new URL(u));
        expect(hosts.map((u) => u.hostname).sort()).toEqual([...natsNames].sort());
        for (const u of hosts) expect(u.port || "4222").toBe("4222");
        for (const n of natsNames) expect(dependsOn(s)).toContain(n);
      }
    });
  });
});

describe("docker-compose.cluster.yml", () => {
  const compose = load("docker-compose.cluster.yml");
  const nats = Object.entries(compose.services).filter(([, s]) => kind(s) === "nats");
  const trainyard = Object.entries(compose.services).filter(([, s]) => kind(s) === "scheduler" || kind(s) === "agent");

  it("is run as its own Compose project (-p: Compose v1 refuses a top-level name)", () => {
    expect(compose.name).toBeUndefined();
    const header = readFileSync(path.join(repo, "docker-compose.cluster.yml"), "utf8").split("\n").filter((l) => l.startsWith("#")).join("\n");
    const commands = header.split("\n").filter((l) => /docker.compose .*-f docker-compose\.cluster\.yml/.test(l));
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) expect(c).toMatch(/ -p trainyard-cluster /);
  });

  it("runs two scheduler replicas with the same settings, on different host ports", () => {
    const schedulers = trainyard.filter(([, s]) => kind(s) === "scheduler");
    expect(schedulers).toHaveLength(2);
    const [[, a], [, b]] = schedulers as [[string, Service], [string, Service]];
    expect(b.environment).toEqual(a.environment);
    expect(b.depends_on).toEqual(a.depends_on);
    expect(b.volumes).toEqual(a.volumes);
    expect(publishedTargets(b).sort()).toEqual(publishedTargets(a).sort());
  });

  it("runs three NATS servers, each with its own name and store volume, on one generated configuration", () => {
    expect(nats).toHaveLength(3);
    const names = nats.map(([, s]) => flag(argv(s), "--server_name", "-n"));
    expect(new Set(names).size).toBe(3);
    expect(names.every(Boolean)).toBe(true);
    expect(new Set(nats.map(([, s]) => flag(argv(s), "-c", "--config"))).size).toBe(1);
    const volumes = nats.map(([, s]) => String(s.volumes?.[0]).split(":")[0]);
    expect(new Set(volumes).size).toBe(3);
  });

  it("routes every server to every other one, in one named cluster, with the routes' password", () => {
    const text = readFileSync(path.join(generateNatsConf(compose), "nats-server.conf"), "utf8");
    const cluster = /^cluster \{ name: "([^"]+)", listen: "0\.0\.0\.0:(\d+)", routes: \[([^\]]*)\], authorization \{ user: "route", password: "([^"]+)" \} \}$/m.exec(text);
    expect(cluster, text).toBeTruthy();
    const [, name, port, routeList, password] = cluster!;
    expect(name).toBeTruthy();
    const routes = routeList!.split(",").map((r) => new URL(JSON.parse(r.trim()) as string));
    for (const [server] of nats) {
      expect(routes.some((r) => r.hostname === server && r.port === port && r.username === "route" && decodeURIComponent(r.password) === password), server).toBe(true);
    }
  });

  it("has the schedulers create replicated streams and buckets (TRAINYARD_NATS_REPLICAS=3); schedulers and agent know all three servers", () => {
    expect(trainyard.map(([, s]) => kind(s)).sort()).toEqual(["agent", "scheduler", "scheduler"]);
    const conf = generateNatsConf(compose);
    for (const [, s] of trainyard) {
      const env = environmentWith(s, conf);
      const cfg = kind(s) === "scheduler" ? loadSchedulerConfig(env) : loadAgentConfig(env);
      if ("infra" in cfg) expect(cfg.infra.replicas).toBe(3);
      expect(cfg.nats.servers).toHaveLength(3);
    }
  });
});
