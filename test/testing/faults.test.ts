import { createCoordinator } from "modelreins-worker/testing";
import { describe, expect, it, vi } from "vitest";
import { call, MODES, useHarness } from "./support.js";

const newJob = { as: "admin" as const, json: { prompt: "x" } };

describe.each(MODES)("fault injection (%s mode)", (mode) => {
  const h = useHarness(mode);

  it("drop-before: the request fails like a lost connection, and nothing happens", async () => {
    const fault = h.coordinator.faults.add({ route: "createJob", kind: "drop-before", times: 1 });
    const error = await call(h, "POST", "/api/jobs", newJob).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe("fetch failed");
    expect(h.coordinator.jobs()).toHaveLength(0);
    expect(fault.hits).toBe(1);
    expect(h.coordinator.requests[0]).toMatchObject({ status: 0, fault: "drop-before", route: "createJob" });
    // Spent after `times`: the next request goes through.
    expect((await call(h, "POST", "/api/jobs", newJob)).status).toBe(201);
  });

  it("drop-after: the coordinator acts, then the answer is lost", async () => {
    h.coordinator.faults.add({ route: "createJob", kind: "drop-after", times: 1 });
    await expect(call(h, "POST", "/api/jobs", newJob)).rejects.toThrow("fetch failed");
    expect(h.coordinator.jobs()).toHaveLength(1);
    expect(h.coordinator.requests[0]).toMatchObject({ status: 201, fault: "drop-after" });
  });

  it("drop-after then a retry with the same Idempotency-Key completes exactly once", async () => {
    const job = h.coordinator.createJob({ prompt: "x", assigned_to: "w1" });
    await call(h, "POST", `/api/jobs/${job.id}/claim`, { json: { worker: "w1" } });
    h.coordinator.faults.add({ route: "complete", kind: "drop-after", times: 1 });
    const complete = {
      json: { worker: "w1", status: "done", result: "ok" },
      headers: { "idempotency-key": "c-1" },
    };
    await expect(call(h, "POST", `/api/jobs/${job.id}/complete`, complete)).rejects.toThrow("fetch failed");
    const retry = await call(h, "POST", `/api/jobs/${job.id}/complete`, complete);
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(h.coordinator.completions(job.id)).toBe(1);
  });

  it("status: answers the status with Retry-After, without acting", async () => {
    h.coordinator.faults.add({ kind: "status", status: 503, retryAfter: "2", times: 2 });
    const res = await call(h, "POST", "/api/jobs", newJob);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(res.body.error).toMatch(/injected fault/);
    expect((await call(h, "GET", "/health", { as: "none" })).status).toBe(503);
    expect((await call(h, "GET", "/health", { as: "none" })).status).toBe(200);
    expect(h.coordinator.jobs()).toHaveLength(0);
  });

  it("stall: never answers until the client aborts", async () => {
    h.coordinator.faults.add({ route: "heartbeat", kind: "stall" });
    const started = Date.now();
    const error = await call(h, "PUT", "/presence", {
      json: { instance: "w1", status: "active" },
      signal: AbortSignal.timeout(100),
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe("TimeoutError");
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    await vi.waitFor(() => expect(h.coordinator.requests[0]).toMatchObject({ status: 0, fault: "stall" }));
    expect(h.coordinator.presence()).toEqual([]);
  });

  it("faults only the chosen route", async () => {
    h.coordinator.faults.add({ route: "claim", kind: "status", status: 500 });
    expect((await call(h, "POST", "/api/jobs", newJob)).status).toBe(201);
    expect((await call(h, "POST", "/api/jobs/1/claim", { json: { worker: "w1" } })).status).toBe(500);
    h.coordinator.faults.clear();
    expect((await call(h, "POST", "/api/jobs/1/claim", { json: { worker: "w1" } })).status).toBe(200);
  });
});

describe("fault options", () => {
  it("uses the seeded RNG for probability, so runs repeat", async () => {
    const pattern = async (seed: number) => {
      const c = createCoordinator({ seed });
      c.faults.add({ route: "health", kind: "status", status: 502, probability: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await c.fetch(`${c.url}/health`)).status);
      return statuses;
    };
    const a = await pattern(7);
    expect(await pattern(7)).toEqual(a);
    expect(a).toContain(502);
    expect(a).toContain(200);
  });

  it("refuses malformed faults", () => {
    const c = createCoordinator();
    expect(() => c.faults.add({ kind: "status" })).toThrow(/needs status/);
    expect(() => c.faults.add({ kind: "drop-before", status: 500 })).toThrow(/only apply/);
    expect(() => c.faults.add({ kind: "stall", route: "nope" as "claim" })).toThrow(/unknown route "nope"/);
    expect(() => c.faults.add({ kind: "stall", probability: 2 })).toThrow(/probability/);
  });

  it("close() ends stalled fetch-mode requests", async () => {
    const c = createCoordinator();
    c.faults.add({ kind: "stall" });
    const pending = c.fetch(`${c.url}/health`);
    await c.close();
    await expect(pending).rejects.toThrow("fetch failed");
  });
});
