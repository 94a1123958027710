/**
 * PROTOCOL.md, "The coordinator's word to a running worker", as the local
 * coordinator follows it: cancel and the killswitch end running jobs
 * `cancelled` and take them off the worker's running list; a paused worker's
 * claims are 409 while its heartbeats and inbox still answer; resume and
 * `killswitch/clear?resume_all=true` let it claim again.
 */
import { describe, expect, it } from "vitest";
import { type CallResult, call, type Harness, heartbeat, MODES, useHarness } from "./support.js";

/** The ids of `worker`'s jobs in `status`, from `GET /my-jobs`. */
async function listed(h: Harness, worker: string, status: string): Promise<number[]> {
  const res = await call(h, "GET", `/my-jobs?worker=${worker}&status=${status}`);
  expect(res.status).toBe(200);
  return res.body.jobs.map((job: { id: number }) => job.id);
}

function claim(h: Harness, id: number, worker: string): Promise<CallResult> {
  return call(h, "POST", `/api/jobs/${id}/claim`, { json: { worker } });
}

function complete(h: Harness, id: number, worker: string): Promise<CallResult> {
  return call(h, "POST", `/api/jobs/${id}/complete`, { json: { worker, status: "done", result: "late" } });
}

describe.each(MODES)("the coordinator's word to a running worker (%s mode)", (mode) => {
  const h = useHarness(mode);

  it("an admin cancel ends a running job cancelled and takes it off the running list", async () => {
    await heartbeat(h, "w1");
    const a = h.coordinator.createJob({ prompt: "a", assigned_to: "w1" });
    const b = h.coordinator.createJob({ prompt: "b", assigned_to: "w1" });
    await claim(h, a.id, "w1");
    await claim(h, b.id, "w1");
    expect(await listed(h, "w1", "running")).toEqual([a.id, b.id]);

    const cancelled = await call(h, "POST", `/api/jobs/${a.id}/cancel`, {
      as: "admin",
      json: { reason: "not needed" },
    });
    expect(cancelled.body).toMatchObject({ id: a.id, status: "cancelled", cancel_reason: "not needed" });
    expect(await listed(h, "w1", "running")).toEqual([b.id]);
    expect(await listed(h, "w1", "cancelled")).toEqual([a.id]);

    const late = await complete(h, a.id, "w1");
    expect(late.status).toBe(409);
    expect(late.body.error).toMatch(/job \d+ is cancelled, not running/);
    expect(h.coordinator.job(a.id)).toMatchObject({ status: "cancelled", result: null });
    expect((await complete(h, b.id, "w1")).status).toBe(200);
  });

  it("lists a job claimed without an assignment in its claimer's running list only", async () => {
    const job = h.coordinator.createJob({ prompt: "anyone" });
    await claim(h, job.id, "w2");
    expect(await listed(h, "w2", "running")).toEqual([job.id]);
    expect(await listed(h, "w1", "running")).toEqual([]);
    await call(h, "POST", `/api/jobs/${job.id}/cancel`, { as: "admin" });
    expect(await listed(h, "w2", "running")).toEqual([]);
  });

  it("the killswitch cancels every running job, and its workers' running lists empty", async () => {
    await heartbeat(h, "w1");
    await heartbeat(h, "w2");
    const jobs = [
      h.coordinator.createJob({ prompt: "1", assigned_to: "w1" }),
      h.coordinator.createJob({ prompt: "2", assigned_to: "w1" }),
      h.coordinator.createJob({ prompt: "3", assigned_to: "w2" }),
    ];
    for (const job of jobs) await claim(h, job.id, job.assigned_to as string);
    const queued = h.coordinator.createJob({ prompt: "queued", assigned_to: "w1" });

    const on = await call(h, "POST", "/tenant/killswitch", { as: "admin", json: { level: 4, reason: "leaked key" } });
    expect(on.body).toMatchObject({ cancelled_jobs: jobs.map((j) => j.id), paused_workers: 2 });
    expect(await listed(h, "w1", "running")).toEqual([]);
    expect(await listed(h, "w2", "running")).toEqual([]);
    for (const job of jobs) {
      expect(h.coordinator.job(job.id)).toMatchObject({ status: "cancelled", cancel_reason: "killswitch: leaked key" });
    }
    // Jobs that were only queued stay pending, listed, and unclaimable.
    expect(await listed(h, "w1", "pending")).toEqual([queued.id]);
    expect((await claim(h, queued.id, "w1")).status).toBe(409);
  });

  it("a paused worker's claims are 409; its heartbeats and inbox still answer; resume lets it claim", async () => {
    await heartbeat(h, "w1");
    const job = h.coordinator.createJob({ prompt: "p", assigned_to: "w1" });
    await call(h, "POST", "/api/workers/w1/pause", { as: "admin" });

    const refused = await claim(h, job.id, "w1");
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/worker "w1" is paused: it takes no jobs until resumed/);
    expect((await heartbeat(h, "w1")).status).toBe(200);
    expect(await listed(h, "w1", "pending")).toEqual([job.id]);
    expect(h.coordinator.job(job.id).status).toBe("pending");

    const worker = h.coordinator.workers().find((w) => w.name === "w1");
    expect((await call(h, "POST", `/api/workers/${worker?.id}/resume`, { as: "admin" })).body).toMatchObject({
      paused: false,
    });
    expect((await claim(h, job.id, "w1")).status).toBe(200);
  });

  it("a clear without resume_all leaves workers paused; with it, they claim again", async () => {
    await heartbeat(h, "w1");
    await call(h, "POST", "/tenant/killswitch", { as: "admin", json: { level: 1, reason: "drill" } });
    // A worker first seen while the killswitch holds is paused too.
    await heartbeat(h, "late");
    const jobs = [
      h.coordinator.createJob({ prompt: "a", assigned_to: "w1" }),
      h.coordinator.createJob({ prompt: "b", assigned_to: "late" }),
    ];
    const [forW1, forLate] = jobs as [(typeof jobs)[0], (typeof jobs)[0]];
    expect((await claim(h, forLate.id, "late")).body.error).toMatch(/killswitch is active \(level 1: drill\)/);

    const clear = await call(h, "POST", "/tenant/killswitch/clear", { as: "admin" });
    expect(clear.body).toMatchObject({ killswitch: { active: false }, resumed_workers: 0 });
    expect(h.coordinator.workers().map((w) => [w.name, w.paused])).toEqual([
      ["w1", true],
      ["late", true],
    ]);
    const stillPaused = await claim(h, forW1.id, "w1");
    expect(stillPaused.status).toBe(409);
    expect(stillPaused.body.error).toMatch(/"w1" is paused/);

    const resumed = await call(h, "POST", "/tenant/killswitch/clear?resume_all=true", { as: "admin" });
    expect(resumed.body).toMatchObject({ resumed_workers: 2 });
    expect((await claim(h, forW1.id, "w1")).status).toBe(200);
    expect((await claim(h, forLate.id, "late")).status).toBe(200);
  });
});

describe("a requeued job leaves its worker's running list (injected clock)", () => {
  let now = Date.parse("2026-01-01T00:00:00Z");
  const h = useHarness("fetch", () => ({ now: () => now, requeueAfterMs: 60_000 }));

  it("is listed pending again, and running for whoever claims it next", async () => {
    const job = h.coordinator.createJob({ prompt: "p" });
    await claim(h, job.id, "w1");
    expect(await listed(h, "w1", "running")).toEqual([job.id]);
    now += 61_000;
    expect(await listed(h, "w1", "running")).toEqual([]);
    await claim(h, job.id, "w2");
    expect(await listed(h, "w2", "running")).toEqual([job.id]);
    expect(await listed(h, "w1", "running")).toEqual([]);
    expect((await complete(h, job.id, "w1")).status).toBe(409);
  });
});
