import { CoordinatorError, type CoordinatorEvent, createCoordinator } from "modelreins-worker/testing";
import { describe, expect, it } from "vitest";

describe("test helpers", () => {
  it("waitFor resolves on the event that reaches the status", async () => {
    const c = createCoordinator();
    const job = c.createJob({ prompt: "x" });
    const done = c.waitFor(job.id, ["done", "failed"]);
    await c.fetch(`${c.url}/api/jobs/${job.id}/claim`, {
      method: "POST",
      headers: { authorization: `Bearer ${c.workerToken}`, "content-type": "application/json" },
      body: JSON.stringify({ worker: "w1" }),
    });
    await c.fetch(`${c.url}/api/jobs/${job.id}/complete`, {
      method: "POST",
      headers: { authorization: `Bearer ${c.workerToken}`, "content-type": "application/json" },
      body: JSON.stringify({ worker: "w1", status: "failed", result: "boom" }),
    });
    expect(await done).toMatchObject({ id: job.id, status: "failed", result: "boom" });
  });

  it("waitFor rejects on timeout naming the job's current state", async () => {
    const c = createCoordinator();
    const job = c.createJob({ prompt: "x", assigned_to: "w1" });
    await expect(c.waitFor(job.id, "done", { timeoutMs: 30 })).rejects.toThrow(
      `waitFor: job ${job.id} did not become done within 30 ms; it is pending, assigned to "w1".`,
    );
    await expect(c.waitFor(99, "done", { timeoutMs: 10 })).rejects.toThrow(/job 99 does not exist/);
  });

  it("emits typed events to on() and the onEvent option, and unsubscribes", async () => {
    const fromOption: string[] = [];
    const c = createCoordinator({ onEvent: (e) => fromOption.push(e.type) });
    const seen: CoordinatorEvent[] = [];
    const off = c.on((e) => seen.push(e));
    c.createJob({ prompt: "x" });
    await c.fetch(`${c.url}/health`);
    off();
    c.createJob({ prompt: "y" });
    expect(seen.map((e) => e.type)).toEqual(["create", "request"]);
    expect(fromOption).toEqual(["create", "request", "create"]);
    const request = seen[1];
    expect(request?.type === "request" && request.request).toMatchObject({
      method: "GET",
      path: "/health",
      status: 200,
    });
  });

  it("helpers validate like the routes and throw CoordinatorError", () => {
    const c = createCoordinator();
    expect(() => c.createJob({ prompt: "" })).toThrow(/"job.prompt" must not be empty/);
    const error = (() => {
      try {
        c.dispatch({ prompt: "x" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(CoordinatorError);
    expect(error).toMatchObject({ status: 503, name: "CoordinatorError" });
    expect(() => c.job(1)).toThrow(/no job 1/);
    expect(() => c.job("x")).toThrow(TypeError);
  });

  it("returns copies: changing them changes nothing", () => {
    const c = createCoordinator();
    const job = c.createJob({ prompt: "x", tags: ["a"] });
    job.tags.push("b");
    job.status = "done";
    expect(c.job(job.id)).toMatchObject({ status: "pending", tags: ["a"] });
  });

  it("reset() forgets state, the log and faults; close() makes fetch fail", async () => {
    const c = createCoordinator();
    c.createJob({ prompt: "x" });
    c.faults.add({ kind: "status", status: 500 });
    await c.fetch(`${c.url}/health`);
    c.reset();
    expect(c.jobs()).toEqual([]);
    expect(c.requests).toEqual([]);
    expect(c.faults.list()).toEqual([]);
    expect(c.createJob({ prompt: "y" }).id).toBe(1);
    await c.close();
    await expect(c.fetch(`${c.url}/health`)).rejects.toThrow("fetch failed");
  });

  it("fetch honours an aborted signal, refuses other origins and sets response.url", async () => {
    const c = createCoordinator();
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(c.fetch(`${c.url}/health`, { signal: controller.signal })).rejects.toThrow("stop");
    const wrong = await c.fetch("https://app.modelreins.com/health").catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(TypeError);
    expect((wrong as TypeError).cause).toMatchObject({
      message: expect.stringMatching(/not the local coordinator's URL/),
    });
    const res = await c.fetch(new Request(`${c.url}/health`));
    expect(res.url).toBe("http://coordinator.localhost/health");
    expect(c.requests).toHaveLength(1);
  });

  it("checks its options", () => {
    expect(() => createCoordinator({ url: "http://x.test/api" })).toThrow(/origin without a path/);
    expect(() => createCoordinator({ adminToken: "same", workerToken: "same" })).toThrow(/must differ/);
    expect(() => createCoordinator({ requeueAfterMs: 0 })).toThrow(/requeueAfterMs/);
    expect(() => createCoordinator({ routes: { claim: "POST api/claim" } })).toThrow(/claim/);
  });

  it("follows a corrected route table", async () => {
    const c = createCoordinator({ routes: { claim: "POST /api/v2/jobs/{id}/take" } });
    const job = c.createJob({ prompt: "x" });
    const res = await c.fetch(`${c.url}/api/v2/jobs/${job.id}/take`, {
      method: "POST",
      headers: { authorization: `Bearer ${c.workerToken}`, "content-type": "application/json" },
      body: JSON.stringify({ worker: "w1" }),
    });
    expect(res.status).toBe(200);
    expect(c.job(job.id).status).toBe("running");
  });

  it("supports await using", async () => {
    let url: string;
    {
      await using c = createCoordinator();
      url = (await c.listen()).url;
      expect((await fetch(`${url}/health`)).status).toBe(200);
    }
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
