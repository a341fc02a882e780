import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** Seconds: an image already present answers in milliseconds, a real pull takes minutes. */
const IMAGE_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
/** Seconds for Docker's create + start. */
const START_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** How the image of an attempt was had: already on the host, pulled, or not at all. */
export type ImageResult = "present" | "pulled" | "failed";

/**
 * The agent's own series, in its instance's registry (see docs/operations.md, Metrics).
 * Slots are read at scrape time (in use: attempts running here, not the slot a pull loop holds
 * while it waits for work); the rest are counted where they
 * happen (the runner's image and start phases, the attempt log's publisher).
 */
export class AgentMetrics {
  private readonly image: Histogram<"result">;
  private readonly start: Histogram<"result">;
  private readonly frames: Counter;
  private readonly bytes: Counter;

  constructor(
    readonly registry: Registry,
    slots: { total: number; inUse(): number },
  ) {
    const registers = [registry];
    new Gauge({
      name: "trainyard_agent_slots",
      help: "Task slots this agent offers (TRAINYARD_AGENT_SLOTS)",
      registers,
      collect() {
        this.set(slots.total);
      },
    });
    new Gauge({
      name: "trainyard_agent_slots_in_use",
      help: "Task slots held by running attempts (re-attached attempts may take it past the total)",
      registers,
      collect() {
        this.set(slots.inUse());
      },
    });
    this.image = new Histogram({
      name: "trainyard_agent_image_pull_seconds",
      help: "Seconds to have an attempt's image on the host, by result: present (inspect only), pulled, failed",
      labelNames: ["result"] as const,
      buckets: IMAGE_BUCKETS,
      registers,
    });
    this.start = new Histogram({
      name: "trainyard_agent_container_start_seconds",
      help: "Seconds for Docker to create and start an attempt's container, by result: ok, failed",
      labelNames: ["result"] as const,
      buckets: START_BUCKETS,
      registers,
    });
    this.frames = new Counter({ name: "trainyard_log_frames_published_total", help: "Log frames this agent stored on the LOGS stream", registers });
    this.bytes = new Counter({ name: "trainyard_log_bytes_published_total", help: "Log bytes (frame data) this agent stored on the LOGS stream", registers });
  }

  imageReady(result: ImageResult, seconds: number): void {
    this.image.observe({ result }, seconds);
  }

  containerStarted(ok: boolean, seconds: number): void {
    this.start.observe({ result: ok ? "ok" : "failed" }, seconds);
  }

  framePublished(bytes: number): void {
    this.frames.inc();
    this.bytes.inc(bytes);
  }
}
