import { describe, expect, it } from "vitest";
import { call, heartbeat, MODES, useHarness } from "./support.js";

describe.each(MODES)("job lifecycle (%s mode)", (mode) => {
  const h = useHarness(mode);

  it("runs heartbeat → dispatch → inbox → claim → complete, once", async () => {
    expect((await heartbeat(h, "w1")).status).toBe(200);
    const dispatched = await call(h, "POST", "/dispatch", {
      as: "admin",
      json: { prompt: "summarise", input: { url: "x" }, provider: "openai", priority: "high", tags: ["a"] },
    });
    expect(dispatched.status).toBe(200);
    expect(dispatched.body).toMatchObject({
      id: 1,
      status: "pending",
      assigned_to: "w1",
      priority: "high",
      tags: ["a"],
    });

    const inbox = await call(h, "GET", "/my-jobs?worker=w1&status=pending");
    expect(inbox.body.jobs.map((j: { id: number }) => j.id)).toEqual([1]);

    const claimed = await call(h, "POST", "/api/jobs/1/claim", { json: { worker: "w1" } });
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ id: 1, status: "running", claimed_by: "w1" });
    expect(claimed.body.started_at).toEqual(expect.any(String));

    const waiting = h.coordinator.waitFor(1, "done");
    const completed = await call(h, "POST", "/api/jobs/1/complete", {
      json: { worker: "w1", status: "done", result: "short summary" },
    });
    expect(completed.status).toBe(200);
    const job = await waiting;
    expect(job).toMatchObject({ status: "done", result: "short summary", claimed_by: "w1" });
    expect(job.completed_at).toEqual(expect.any(String));
    expect(h.coordinator.completions(1)).toBe(1);

    const again = await call(h, "POST", "/api/jobs/1/complete", {
      json: { worker: "w1", status: "done", result: "again" },
    });
    expect(again.status).toBe(409);
    expect(h.coordinator.completions(1)).toBe(1);
  });

  it("refuses a double claim and a claim of another worker's job with 409", async () => {
    const job = h.coordinator.createJob({ prompt: "x", assigned_to: "w1" });
    expect((await call(h, "POST", `/api/jobs/${job.id}/claim`, { json: { worker: "w2" } })).status).toBe(409);
    expect((await call(h, "POST", `/api/jobs/${job.id}/claim`, { json: { worker: "w1" } })).status).toBe(200);
    const second = await call(h, "POST", `/api/jobs/${job.id}/claim`, { json: { worker: "w1" } });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatch(/running \(claimed by "w1"\)/);
    expect((await call(h, "POST", "/api/jobs/99/claim", { json: { worker: "w1" } })).status).toBe(404);
    expect((await call(h, "POST", "/api/jobs/abc/claim", { json: { worker: "w1" } })).status).toBe(404);
  });

  it("refuses a completion by a worker that did not claim the job, or of a job not running", async () => {
    const job = h.coordinator.createJob({ prompt: "x" });
    const early = await call(h, "POST", `/api/jobs/${job.id}/complete`, {
      json: { worker: "w1", status: "done", result: "" },
    });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatch(/pending, not running/);
    await call(h, "POST", `/api/jobs/${job.id}/claim`, { json: { worker: "w1" } });
    const other = await call(h, "POST", `/api/jobs/${job.id}/complete`, {
      json: { worker: "w2", status: "done", result: "" },
    });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatch(/claimed by "w1", not "w2"/);
    const failed = await call(h, "POST", `/api/jobs/${job.id}/complete`, {
      json: { worker: "w1", status: "failed", result: "Error: boom" },
    });
    expect(failed.body).toMatchObject({ status: "failed", result: "Error: boom" });
  });

  it("lets anyone claim an unassigned job, which is in no inbox", async () => {
    const job = h.coordinator.createJob({ prompt: "x" });
    expect(job.assigned_to).toBeNull();
    expect((await call(h, "GET", "/my-jobs?worker=w1")).body.jobs).toEqual([]);
    const claimed = await call(h, "POST", `/api/jobs/${job.id}/claim`, { json: { worker: "w9" } });
    expect(claimed.body).toMatchObject({ status: "running", claimed_by: "w9", assigned_to: null });
  });

  it("orders the inbox by priority, then id, and filters by status", async () => {
    const c = h.coordinator;
    c.createJob({ prompt: "a", assigned_to: "w1", priority: "low" });
    c.createJob({ prompt: "b", assigned_to: "w1" });
    c.createJob({ prompt: "c", assigned_to: "w1", priority: "high" });
    c.createJob({ prompt: "d", assigned_to: "w1", priority: "high" });
    c.createJob({ prompt: "e", assigned_to: "w2", priority: "high" });
    const inbox = await call(h, "GET", "/my-jobs?worker=w1");
    expect(inbox.body.jobs.map((j: { prompt: string }) => j.prompt)).toEqual(["c", "d", "b", "a"]);
    await call(h, "POST", "/api/jobs/3/claim", { json: { worker: "w1" } });
    const running = await call(h, "GET", "/my-jobs?worker=w1&status=running");
    expect(running.body.jobs.map((j: { id: number }) => j.id)).toEqual([3]);
  });

  it("answers 503 on dispatch when no worker is eligible", async () => {
    const none = await call(h, "POST", "/dispatch", { as: "admin", json: { prompt: "x" } });
    expect(none.status).toBe(503);
    expect(none.body.error).toMatch(/no eligible worker/);
    await heartbeat(h, "w1", "offline");
    expect((await call(h, "POST", "/dispatch", { as: "admin", json: { prompt: "x" } })).status).toBe(503);
    // assigned_to skips the choice: the worker may come online later.
    const targeted = await call(h, "POST", "/dispatch", { as: "admin", json: { prompt: "x", assigned_to: "later" } });
    expect(targeted.body).toMatchObject({ assigned_to: "later" });
  });

  it("dispatches to the least loaded online worker", async () => {
    await heartbeat(h, "w1");
    await heartbeat(h, "w2");
    const first = await call(h, "POST", "/dispatch", { as: "admin", json: { prompt: "1" } });
    const second = await call(h, "POST", "/dispatch", { as: "admin", json: { prompt: "2" } });
    const third = await call(h, "POST", "/dispatch", { as: "admin", json: { prompt: "3" } });
    expect([first.body.assigned_to, second.body.assigned_to, third.body.assigned_to]).toEqual(["w1", "w2", "w1"]);
  });

  it("gets, updates, lists, cancels and retries jobs", async () => {
    const c = h.coordinator;
    c.createJob({ prompt: "a", provider: "openai" });
    c.createJob({ prompt: "b", provider: "anthropic" });
    c.createJob({ prompt: "c", provider: "openai" });

    expect((await call(h, "GET", "/api/jobs/2", { as: "admin" })).body).toMatchObject({ id: 2, prompt: "b" });
    const updated = await call(h, "PUT", "/api/jobs/2", {
      as: "admin",
      json: { tags: ["x"], priority: "low", tier: "fast" },
    });
    expect(updated.body).toMatchObject({ tags: ["x"], priority: "low", tier: "fast" });
    expect((await call(h, "PUT", "/api/jobs/2", { as: "admin", json: {} })).status).toBe(400);
    expect((await call(h, "PUT", "/api/jobs/2", { as: "admin", json: { prompt: "no" } })).status).toBe(400);

    const page = await call(h, "GET", "/api/jobs?provider=openai&limit=1&offset=1", { as: "admin" });
    expect(page.body.total).toBe(2);
    expect(page.body.jobs.map((j: { id: number }) => j.id)).toEqual([3]);

    const cancelled = await call(h, "POST", "/api/jobs/1/cancel", { as: "admin" });
    expect(cancelled.body).toMatchObject({ status: "cancelled" });
    expect((await call(h, "POST", "/api/jobs/1/cancel", { as: "admin" })).status).toBe(409);
    expect((await call(h, "PUT", "/api/jobs/1", { as: "admin", json: { priority: "high" } })).status).toBe(409);
    expect((await call(h, "POST", "/api/jobs/2/retry", { as: "admin" })).status).toBe(409);

    const retried = await call(h, "POST", "/api/jobs/1/retry", { as: "admin" });
    expect(retried.body).toMatchObject({ status: "pending", retries: 1, cancel_reason: null });
    const byStatus = await call(h, "GET", "/api/jobs?status=pending", { as: "admin" });
    expect(byStatus.body.total).toBe(3);
    expect((await call(h, "POST", "/api/jobs/1/retry", { as: "admin", json: { extra: 1 } })).status).toBe(400);
  });
});

describe("requeue of a silent worker's job (injected clock)", () => {
  let now = Date.parse("2026-01-01T00:00:00Z");
  const h = useHarness("fetch", () => {
    now = Date.parse("2026-01-01T00:00:00Z");
    return { now: () => now, requeueAfterMs: 60_000 };
  });

  it("requeues after requeueAfterMs without heartbeats, counted from the last heartbeat", async () => {
    const requeues: unknown[] = [];
    h.coordinator.on((event) => {
      if (event.type === "requeue") requeues.push(event.worker);
    });
    await heartbeat(h, "w1");
    const job = h.coordinator.createJob({ prompt: "x", assigned_to: "w1" });
    await call(h, "POST", `/api/jobs/${job.id}/claim`, { json: { worker: "w1" } });

    now += 30_000;
    await heartbeat(h, "w1"); // keeps it alive until t+90s
    now += 59_000;
    expect(h.coordinator.job(job.id).status).toBe("running");

    now += 1_000;
    const requeued = await h.coordinator.waitFor(job.id, "pending");
    expect(requeued).toMatchObject({ status: "pending", assigned_to: "w1", claimed_by: null, requeues: 1 });
    expect(requeues).toEqual(["w1"]);

    // The silent worker comes back and tries to complete: refused.
    const late = await call(h, "POST", `/api/jobs/${job.id}/complete`, {
      json: { worker: "w1", status: "done", result: "" },
    });
    expect(late.status).toBe(409);
    expect((await call(h, "POST", `/api/jobs/${job.id}/claim`, { json: { worker: "w1" } })).status).toBe(200);
  });

  it("drops a worker from dispatch once its heartbeat is older than presenceTtlMs", async () => {
    await heartbeat(h, "w1");
    now += 31_000;
    expect((await call(h, "POST", "/dispatch", { as: "admin", json: { prompt: "x" } })).status).toBe(503);
    expect(h.coordinator.presence()[0]).toMatchObject({ instance: "w1", online: false });
  });
});
