/**
 * The SDK's Worker against the local coordinator: the two sides of
 * PROTOCOL.md must agree on every worker call.
 */

import { type Logger, Worker } from "modelreins-worker";
import { type Coordinator, createCoordinator } from "modelreins-worker/testing";
import { afterEach, describe, expect, it } from "vitest";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe("Worker ↔ local coordinator", () => {
  let coordinator: Coordinator;
  afterEach(async () => {
    await coordinator.close();
  });

  function worker(name = "w1", extra: Record<string, unknown> = {}): Worker {
    return new Worker({
      fetch: coordinator.fetch,
      url: coordinator.url,
      token: coordinator.workerToken,
      name,
      logger: silent,
      ...extra,
    });
  }

  it("speaks every worker call", async () => {
    coordinator = createCoordinator();
    const w = worker();
    await w.heartbeat("active", { tags: ["gpu", "fast"], details: { load: 0.5 } });
    expect(coordinator.presence()[0]).toMatchObject({ instance: "w1", tags: "gpu,fast", details: { load: 0.5 } });

    const job = coordinator.dispatch({ prompt: "hello" });
    expect((await w.inbox()).map((j) => j.id)).toEqual([job.id]);
    expect(await w.claim(job.id)).toMatchObject({ id: job.id, status: "running" });

    const artifact = await w.uploadArtifact(new TextEncoder().encode("report"), "text/plain", { job_id: job.id });
    expect(artifact).toMatchObject({ success: true, filename: "artifact.txt", size_bytes: 6 });
    const served = await coordinator.fetch(w.artifactUrl(artifact));
    expect(await served.text()).toBe("report");

    const review = await w.submitReview("text", "Check", "ok?", { job_id: job.id });
    expect(review).toEqual({ id: 1, status: "pending", mode: "review" });

    await w.complete(job.id, "hi there");
    expect(coordinator.job(job.id)).toMatchObject({ status: "done", result: "hi there" });
    expect(coordinator.completions(job.id)).toBe(1);
    expect(coordinator.requests.every((r) => r.status < 400)).toBe(true);
  });

  it("runs the loop: a dispatched job is handled and completed once", async () => {
    coordinator = createCoordinator();
    const w = worker("loop", { pollIntervalMs: 20, heartbeatIntervalMs: 50 });
    const running = w.run(async (job) => `echo: ${job.prompt}`, { handleSignals: false });
    const job = coordinator.createJob({ prompt: "ping", assigned_to: "loop" });
    expect(await coordinator.waitFor(job.id, "done", { timeoutMs: 3000 })).toMatchObject({ result: "echo: ping" });
    await w.stop();
    await running;
    expect(coordinator.completions(job.id)).toBe(1);
  });
});
