import { describe, expect, it } from "vitest";
import { call, heartbeat, MODES, useHarness } from "./support.js";

const capabilities = [
  { name: "summarise", risk_tier: "auto" },
  { name: "deploy", risk_tier: "approve", requires_secrets: ["vault://prod/deploy-key"] },
];

describe.each(MODES)("workers (%s mode)", (mode) => {
  const h = useHarness(mode);

  it("registers a worker whose token is revealed once at view_url", async () => {
    const res = await call(h, "POST", "/api/v1/workers/register", {
      as: "admin",
      json: { name: "builder", description: "CI builder", capabilities },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: 1, name: "builder", registered: true, paused: false, capabilities });
    expect(res.body.view_url).toMatch(new RegExp(`^${h.base}/v/[0-9a-z]{20}$`));
    expect(JSON.stringify(res.body)).not.toMatch(/mr_worker_/);

    const view = await h.fetch(res.body.view_url);
    expect(view.status).toBe(200);
    const { token } = (await view.json()) as { token: string };
    expect(token).toMatch(/^mr_worker_/);
    expect((await h.fetch(res.body.view_url)).status).toBe(410);

    // The token works for worker calls only.
    expect((await call(h, "GET", "/my-jobs?worker=builder", { as: { token } })).status).toBe(200);
    expect((await call(h, "GET", "/api/workers", { as: { token } })).status).toBe(403);

    const duplicate = await call(h, "POST", "/api/v1/workers/register", {
      as: "admin",
      json: { name: "builder", capabilities: [] },
    });
    expect(duplicate.status).toBe(409);
  });

  it("checks the registration body", async () => {
    const tier = await call(h, "POST", "/api/v1/workers/register", {
      as: "admin",
      json: { name: "w", capabilities: [{ name: "x", risk_tier: "yolo" }] },
    });
    expect(tier.body.error).toMatch(/"capabilities\[0\].risk_tier" must be one of auto, audit, approve, session/);
    const secret = await call(h, "POST", "/api/v1/workers/register", {
      as: "admin",
      json: { name: "w", capabilities: [{ name: "x", risk_tier: "auto", requires_secrets: ["plain-secret"] }] },
    });
    expect(secret.body.error).toMatch(/vault:\/\//);
    const none = await call(h, "POST", "/api/v1/workers/register", { as: "admin", json: { name: "w" } });
    expect(none.body.error).toMatch(/"capabilities" is required/);
  });

  it("lists workers seen through heartbeats, gets one by id or name, pauses and resumes", async () => {
    await heartbeat(h, "w1");
    await heartbeat(h, "w2");
    const list = await call(h, "GET", "/api/workers", { as: "admin" });
    expect(list.body.workers.map((w: { name: string; registered: boolean }) => [w.name, w.registered])).toEqual([
      ["w1", false],
      ["w2", false],
    ]);
    expect((await call(h, "GET", "/api/workers/2", { as: "admin" })).body).toMatchObject({ name: "w2", online: true });
    expect((await call(h, "GET", "/api/workers/w1", { as: "admin" })).body).toMatchObject({ id: 1 });
    expect((await call(h, "GET", "/api/workers/9", { as: "admin" })).status).toBe(404);

    const paused = await call(h, "POST", "/api/workers/1/pause", { as: "admin" });
    expect(paused.body).toMatchObject({ name: "w1", paused: true });
    const dispatched = await call(h, "POST", "/dispatch", { as: "admin", json: { prompt: "x" } });
    expect(dispatched.body.assigned_to).toBe("w2");

    const job = h.coordinator.createJob({ prompt: "y", assigned_to: "w1" });
    const claim = await call(h, "POST", `/api/jobs/${job.id}/claim`, { json: { worker: "w1" } });
    expect(claim.status).toBe(409);
    expect(claim.body.error).toMatch(/"w1" is paused/);

    await call(h, "POST", "/api/workers/w1/resume", { as: "admin" });
    expect((await call(h, "POST", `/api/jobs/${job.id}/claim`, { json: { worker: "w1" } })).status).toBe(200);

    const presence = await call(h, "GET", "/presence", { as: "admin" });
    expect(presence.body.presence).toEqual([
      expect.objectContaining({ instance: "w1", online: true, paused: false, load: 1 }),
      expect.objectContaining({ instance: "w2", load: 1 }),
    ]);
    expect((await call(h, "GET", "/presence")).status).toBe(403);
  });
});

describe.each(MODES)("killswitch and cost (%s mode)", (mode) => {
  const h = useHarness(mode);

  it("cancels running jobs, pauses workers, refuses claims and refuses dispatch until cleared", async () => {
    await heartbeat(h, "w1");
    const running = h.coordinator.createJob({ prompt: "r", assigned_to: "w1" });
    const pending = h.coordinator.createJob({ prompt: "p", assigned_to: "w1" });
    await call(h, "POST", `/api/jobs/${running.id}/claim`, { json: { worker: "w1" } });

    const on = await call(h, "POST", "/tenant/killswitch", {
      as: "admin",
      json: { level: 3, reason: "runaway costs" },
    });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({
      killswitch: { active: true, level: 3 },
      cancelled_jobs: [running.id],
      paused_workers: 1,
    });
    expect(h.coordinator.job(running.id)).toMatchObject({
      status: "cancelled",
      cancel_reason: "killswitch: runaway costs",
    });
    expect(h.coordinator.job(pending.id).status).toBe("pending");

    const dispatch = await call(h, "POST", "/dispatch", { as: "admin", json: { prompt: "x", assigned_to: "w1" } });
    expect(dispatch.status).toBe(423);
    expect(dispatch.body.error).toMatch(/killswitch is active/);
    // The killswitch pauses every worker, and a paused worker's claim is 409 (PROTOCOL.md).
    const claim = await call(h, "POST", `/api/jobs/${pending.id}/claim`, { json: { worker: "w1" } });
    expect(claim.status).toBe(409);
    expect(claim.body.error).toMatch(/killswitch is active .*claims are refused/);
    const late = await call(h, "POST", `/api/jobs/${running.id}/complete`, {
      json: { worker: "w1", status: "done", result: "" },
    });
    expect(late.status).toBe(409);

    await call(h, "POST", "/tenant/killswitch/clear", { as: "admin" });
    expect(h.coordinator.workers()[0]?.paused).toBe(true);
    expect((await call(h, "POST", "/dispatch", { as: "admin", json: { prompt: "x" } })).status).toBe(503);

    const cleared = await call(h, "POST", "/tenant/killswitch/clear?resume_all=true", { as: "admin" });
    expect(cleared.body).toMatchObject({ killswitch: { active: false }, resumed_workers: 1 });
    expect((await call(h, "POST", "/dispatch", { as: "admin", json: { prompt: "x" } })).status).toBe(200);

    expect((await call(h, "POST", "/tenant/killswitch", { as: "admin", json: { level: 5, reason: "x" } })).status).toBe(
      400,
    );
    expect((await call(h, "POST", "/tenant/killswitch/clear?resume_all=yes", { as: "admin" })).status).toBe(400);
  });

  it("reports plausible costs by period and refuses another period", async () => {
    h.coordinator.createJob({ prompt: "a", provider: "openai", model: "gpt" });
    h.coordinator.createJob({ prompt: "b", provider: "openai", model: "gpt" });
    h.coordinator.createJob({ prompt: "c" });
    const summary = await call(h, "GET", "/api/cost/summary?period=week", { as: "admin" });
    expect(summary.body).toMatchObject({ period: "week", total_cost: 0, jobs: 3, jobs_by_status: { pending: 3 } });
    const breakdown = await call(h, "GET", "/api/cost/breakdown?period=month", { as: "admin" });
    expect(breakdown.body.breakdown).toEqual([
      { provider: "openai", model: "gpt", jobs: 2, cost: 0 },
      { provider: null, model: null, jobs: 1, cost: 0 },
    ]);
    const bad = await call(h, "GET", "/api/cost/summary?period=year", { as: "admin" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/day, week or month/);
  });
});
