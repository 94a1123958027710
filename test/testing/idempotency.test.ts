import { describe, expect, it } from "vitest";
import { call, heartbeat, MODES, startHarness, useHarness } from "./support.js";

describe.each(MODES)("Idempotency-Key (%s mode)", (mode) => {
  const h = useHarness(mode);

  it("replays the stored answer for a repeated key, without acting again", async () => {
    const first = await call(h, "POST", "/api/jobs", {
      as: "admin",
      json: { prompt: "x" },
      headers: { "idempotency-key": "k1" },
    });
    const second = await call(h, "POST", "/api/jobs", {
      as: "admin",
      json: { prompt: "x" },
      headers: { "idempotency-key": "k1" },
    });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(h.coordinator.jobs()).toHaveLength(1);
    expect(h.coordinator.requests.map((r) => r.replayed ?? false)).toEqual([false, true]);

    const otherKey = await call(h, "POST", "/api/jobs", {
      as: "admin",
      json: { prompt: "x" },
      headers: { "idempotency-key": "k2" },
    });
    expect(otherKey.body.id).toBe(2);
  });

  it("scopes keys by path, stores only successes, and refuses a key reused with another body (422)", async () => {
    const job = h.coordinator.createJob({ prompt: "x", assigned_to: "w1" });
    const key = { "idempotency-key": "same" };
    const claim = await call(h, "POST", `/api/jobs/${job.id}/claim`, { json: { worker: "w1" }, headers: key });
    const complete = await call(h, "POST", `/api/jobs/${job.id}/complete`, {
      json: { worker: "w1", status: "done", result: "r" },
      headers: key,
    });
    expect([claim.status, complete.status]).toEqual([200, 200]);
    expect(h.coordinator.completions(job.id)).toBe(1);

    const replay = await call(h, "POST", `/api/jobs/${job.id}/complete`, {
      json: { worker: "w1", status: "done", result: "r" },
      headers: key,
    });
    expect(replay.status).toBe(200);
    expect(h.coordinator.completions(job.id)).toBe(1);

    const changed = await call(h, "POST", `/api/jobs/${job.id}/complete`, {
      json: { worker: "w1", status: "done", result: "other" },
      headers: key,
    });
    expect(changed.status).toBe(422);

    // A refused request is not stored: the same key acts once the cause is gone.
    const noWorker = await call(h, "POST", "/dispatch", {
      as: "admin",
      json: { prompt: "y" },
      headers: { "idempotency-key": "d" },
    });
    expect(noWorker.status).toBe(503);
    await heartbeat(h, "w2");
    const retried = await call(h, "POST", "/dispatch", {
      as: "admin",
      json: { prompt: "y" },
      headers: { "idempotency-key": "d" },
    });
    expect(retried.status).toBe(200);
  });
});

describe("idempotency: false", () => {
  it("acts on every request, as a server without idempotency does", async () => {
    const h = await startHarness("fetch", { idempotency: false });
    const headers = { "idempotency-key": "k1" };
    await call(h, "POST", "/api/jobs", { as: "admin", json: { prompt: "x" }, headers });
    const second = await call(h, "POST", "/api/jobs", { as: "admin", json: { prompt: "x" }, headers });
    expect(second.headers.get("idempotent-replayed")).toBeNull();
    expect(h.coordinator.jobs()).toHaveLength(2);
    await h.coordinator.close();
  });
});
