import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { AgentMetrics } from "../src/metrics.js";

describe("AgentMetrics", () => {
  it("reads slots at scrape time and records images, container starts and published frames", async () => {
    const registry = new Registry();
    let inUse = 0;
    const m = new AgentMetrics(registry, { total: 4, inUse: () => inUse });
    m.imageReady("present", 0.002);
    m.imageReady("pulled", 12);
    m.containerStarted(true, 0.2);
    m.containerStarted(false, 0.1);
    m.framePublished(100);
    m.framePublished(28);
    inUse = 3;
    const text = await registry.metrics();
    expect(text).toContain("trainyard_agent_slots 4");
    expect(text).toContain("trainyard_agent_slots_in_use 3");
    expect(text).toContain('trainyard_agent_image_pull_seconds_count{result="present"} 1');
    expect(text).toContain('trainyard_agent_image_pull_seconds_sum{result="pulled"} 12');
    expect(text).toContain('trainyard_agent_container_start_seconds_count{result="ok"} 1');
    expect(text).toContain('trainyard_agent_container_start_seconds_count{result="failed"} 1');
    expect(text).toContain("trainyard_log_frames_published_total 2");
    expect(text).toContain("trainyard_log_bytes_published_total 128");
  });
});
