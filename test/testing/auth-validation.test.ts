import { describe, expect, it } from "vitest";
import { call, MODES, useHarness } from "./support.js";

describe.each(MODES)("auth and validation (%s mode)", (mode) => {
  const h = useHarness(mode);

  it("answers GET /health without a token, as JSON", async () => {
    const res = await call(h, "GET", "/health", { as: "none" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.body).toEqual({ status: "ok" });
  });

  it("refuses a missing, malformed or unknown token with 401 and never echoes it", async () => {
    const missing = await call(h, "GET", "/my-jobs?worker=w1", { as: "none" });
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatch(/Authorization/);

    const malformed = await call(h, "GET", "/my-jobs?worker=w1", {
      as: "none",
      headers: { authorization: `Token ${h.coordinator.workerToken}` },
    });
    expect(malformed.status).toBe(401);

    const unknown = await call(h, "GET", "/my-jobs?worker=w1", { as: { token: "mr_secret_guess" } });
    expect(unknown.status).toBe(401);
    expect(JSON.stringify(unknown.body)).not.toContain("mr_secret_guess");
  });

  it("keeps worker and admin tokens apart with 403", async () => {
    const adminOnInbox = await call(h, "GET", "/my-jobs?worker=w1", { as: "admin" });
    expect(adminOnInbox.status).toBe(403);
    expect(adminOnInbox.body.error).toMatch(/worker token/);

    const workerOnCreate = await call(h, "POST", "/api/jobs", { json: { prompt: "x" } });
    expect(workerOnCreate.status).toBe(403);
    expect(workerOnCreate.body.error).toMatch(/admin token/);
  });

  it("accepts either kind of token on PUT /presence", async () => {
    for (const as of ["worker", "admin"] as const) {
      const res = await call(h, "PUT", "/presence", { as, json: { instance: `w-${as}`, status: "idle", tags: "a,b" } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ instance: `w-${as}`, status: "idle", tags: "a,b", online: true });
    }
  });

  it("accepts tokens minted by addWorkerToken", async () => {
    const token = h.coordinator.addWorkerToken();
    expect(token).toMatch(/^mr_worker_/);
    expect((await call(h, "GET", "/my-jobs?worker=w1", { as: { token } })).status).toBe(200);
    h.coordinator.addWorkerToken("my-token");
    expect((await call(h, "GET", "/my-jobs?worker=w1", { as: { token: "my-token" } })).status).toBe(200);
  });

  it("answers 404 for an unknown route and 405 with Allow for a wrong method", async () => {
    const notFound = await call(h, "GET", "/api/nothing-here");
    expect(notFound.status).toBe(404);
    expect(notFound.body.error).toMatch(/no route/);

    const wrongMethod = await call(h, "DELETE", "/api/jobs/1", { as: "admin" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET, PUT");
    expect(wrongMethod.headers.get("content-type")).toBe("application/json");
  });

  it.each([
    [{}, /"prompt" is required/],
    [{ prompt: 42 }, /"prompt" is required and must be a string; got the number 42/],
    [{ prompt: "x", priority: "urgent" }, /"priority" must be one of low, normal, high; got the string "urgent"/],
    [{ prompt: "x", tags: "a,b" }, /"tags" must be an array of strings/],
    [{ prompt: "x", promt: "typo" }, /unknown field "promt"/],
    [[1, 2], /body must be a JSON object; got an array/],
  ])("refuses the job body %j with 400", async (json, message) => {
    const res = await call(h, "POST", "/api/jobs", { as: "admin", json });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(message);
  });

  it("refuses bad JSON with 400 and a body without a JSON content type with 415", async () => {
    const bad = await call(h, "POST", "/api/jobs", {
      as: "admin",
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/not valid JSON/);

    const plain = await call(h, "POST", "/api/jobs", { as: "admin", body: JSON.stringify({ prompt: "x" }) });
    expect(plain.status).toBe(415);
    expect(plain.body.error).toMatch(/application\/json/);
  });

  it("checks worker-call bodies and queries", async () => {
    const tagsList = await call(h, "PUT", "/presence", {
      json: { instance: "w1", status: "active", tags: ["a", "b"] },
    });
    expect(tagsList.status).toBe(400);
    expect(tagsList.body.error).toMatch(/comma-separated string/);

    const nullDetails = await call(h, "PUT", "/presence", {
      json: { instance: "w1", status: "active", details: null },
    });
    expect(nullDetails.status).toBe(400);

    const noWorker = await call(h, "GET", "/my-jobs");
    expect(noWorker.status).toBe(400);
    expect(noWorker.body.error).toMatch(/"worker"/);

    const badStatus = await call(h, "GET", "/my-jobs?worker=w1&status=sleeping");
    expect(badStatus.status).toBe(400);

    const extraQuery = await call(h, "GET", "/my-jobs?worker=w1&page=2");
    expect(extraQuery.status).toBe(400);
    expect(extraQuery.body.error).toMatch(/unknown query parameter "page"/);

    const job = h.coordinator.createJob({ prompt: "x" });
    const noWorkerClaim = await call(h, "POST", `/api/jobs/${job.id}/claim`, { json: {} });
    expect(noWorkerClaim.status).toBe(400);
    const oldStatus = await call(h, "POST", `/api/jobs/${job.id}/complete`, {
      json: { worker: "w1", status: "completed", result: "" },
    });
    expect(oldStatus.status).toBe(400);
    expect(oldStatus.body.error).toMatch(/"status" must be one of done, failed/);

    const badLimit = await call(h, "GET", "/api/jobs?limit=abc", { as: "admin" });
    expect(badLimit.status).toBe(400);
  });
});
