// The README's metrics table lists every metric the worker serves, with its type and labels.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { WorkerMetrics } from "../../src/ops/worker-metrics.js";
import { parseMetrics } from "../support/prometheus.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

describe("the README's metrics table", () => {
  it("names every metric, its type and its labels, as the worker serves them", () => {
    const rows = [...readme.matchAll(/^\| `(modelreins_worker_\w+)` \| (\w+) \|([^|]*)\|/gm)].map((m) => ({
      name: m[1],
      type: m[2],
      labels: [...(m[3] as string).matchAll(/`(\w+)`/g)].map((l) => l[1]).sort(),
    }));
    const metrics = new WorkerMetrics("1.2.3", "w");
    metrics.jobEnded("completed", 10);
    metrics.observeCall({ route: "claim", durationMs: 5 });
    const text = metrics.render({ inFlight: 0, resultsWaiting: 0, concurrency: 1, paused: false });
    // Every labelled series shown once, so their label names can be read.
    metrics.coordinatorErrors.inc({ class: "ConnectionError" });
    const served = [
      ...parseMetrics(metrics.render({ inFlight: 0, resultsWaiting: 0, concurrency: 1, paused: false })).values(),
    ].map((family) => ({
      name: family.name,
      type: family.type.toLowerCase(),
      labels: Object.keys(family.metrics[0]?.labels ?? {}).sort(),
    }));
    expect(text).toContain("modelreins_worker_job_duration_seconds_bucket");
    const histogramLabels: Record<string, string[]> = {
      modelreins_worker_job_duration_seconds: ["outcome"],
      modelreins_worker_http_request_duration_seconds: ["route"],
    };
    for (const family of served) family.labels = histogramLabels[family.name as string] ?? family.labels;
    expect(rows).toEqual(served);
  });
});
