/**
 * `mr.jobs`: every call's exact request and its answer handling, paging with
 * `listAll()`, and polling with `wait()`.
 */
import { describe, expect, it } from "vitest";
import {
  ConflictError,
  InvalidResponseError,
  type Job,
  NotFoundError,
  WaitTimeoutError,
  WorkerError,
} from "../../src/index.js";
import { client, job, setupMockCoordinator, status, TOKEN } from "./support.js";

const mock = setupMockCoordinator();

describe("jobs.create()", () => {
  it("sends POST /api/jobs with every given field, extra fields included", async () => {
    mock.on("POST /api/jobs", (seen) => ({ ...job(1), ...(seen.json as object) }));
    const body = {
      prompt: "p",
      input: [1, { a: null }],
      provider: null,
      model: "m",
      priority: "low",
      tier: null,
      tags: ["x"],
      assigned_to: null,
      deadline: "2026-01-01",
    } as const;
    const created = await client().mr.jobs.create(body);
    expect(mock.seen[0]).toMatchObject({ method: "POST", path: "/api/jobs", search: "", json: body });
    expect(mock.seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(mock.seen[0]?.headers["content-type"]).toBe("application/json");
    expect(created).toMatchObject({ id: 1, prompt: "p", deadline: "2026-01-01" });
  });

  it("refuses an answer that is not a job", async () => {
    mock.on("POST /api/jobs", () => ({ ok: true }));
    await expect(client().mr.jobs.create({ prompt: "p" })).rejects.toBeInstanceOf(InvalidResponseError);
  });
});

describe("jobs.get()", () => {
  it("sends GET /api/jobs/<id> with no body, accepting a bare or wrapped job", async () => {
    mock.on("GET /api/jobs/:id", (_, n) => (n === 1 ? job(42, { status: "running", extra: 1 }) : { job: job(42) }));
    const { mr } = client();
    expect(await mr.jobs.get(42)).toEqual(job(42, { status: "running", extra: 1 }));
    expect(await mr.jobs.get("42")).toEqual(job(42));
    expect(mock.seen.map((s) => [s.method, s.path, s.search, s.text])).toEqual([
      ["GET", "/api/jobs/42", "", ""],
      ["GET", "/api/jobs/42", "", ""],
    ]);
    expect(mock.seen[0]?.headers["content-type"]).toBeUndefined();
    expect(mock.seen[0]?.headers["idempotency-key"]).toBeUndefined();
  });

  it("URL-encodes string ids", async () => {
    mock.on("GET /api/jobs/:id", () => job("a/b"));
    await client().mr.jobs.get("a/b");
    expect(mock.seen[0]?.path).toBe("/api/jobs/a%2Fb");
  });

  it("throws NotFoundError on 404 and TypeError on a bad id", async () => {
    mock.on("GET /api/jobs/:id", () => status(404, { error: "no job 7" }));
    const { mr } = client();
    await expect(mr.jobs.get(7)).rejects.toBeInstanceOf(NotFoundError);
    await expect(mr.jobs.get("")).rejects.toThrow(
      'A job id must be a number or a non-empty string; got the string "".',
    );
    await expect(mr.jobs.get(Number.NaN)).rejects.toThrow(TypeError);
  });
});

describe("jobs.update()", () => {
  it("sends PUT /api/jobs/<id> with only the given fields", async () => {
    mock.on("PUT /api/jobs/:id", (seen) => job(5, seen.json as Record<string, unknown>));
    const { mr } = client();
    const updated = await mr.jobs.update(5, { priority: "high", tags: ["a", "b"], tier: undefined });
    expect(mock.seen[0]).toMatchObject({
      method: "PUT",
      path: "/api/jobs/5",
      json: { priority: "high", tags: ["a", "b"] },
    });
    expect(updated).toMatchObject({ id: 5, priority: "high" });
    await mr.jobs.update(5, { tier: null });
    expect(mock.seen[1]?.json).toEqual({ tier: null });
  });

  it("refuses an empty or wrong update without sending it, and passes the 409 of a finished job", async () => {
    const { mr } = client();
    await expect(mr.jobs.update(5, {})).rejects.toThrow("jobs.update needs at least one of tags, priority or tier.");
    await expect(mr.jobs.update(5, { priority: "max" } as never)).rejects.toThrow(TypeError);
    await expect(mr.jobs.update(5, { tags: [1] } as never)).rejects.toThrow(TypeError);
    expect(mock.seen).toHaveLength(0);
    mock.on("PUT /api/jobs/:id", () => status(409, { error: "job 5 is done" }));
    await expect(mr.jobs.update(5, { priority: "low" })).rejects.toBeInstanceOf(ConflictError);
  });
});

describe("jobs.list()", () => {
  it("sends the filters as a query and accepts a bare array", async () => {
    mock.on("GET /api/jobs", () => [job(1), job(2)]);
    const jobs = await client().mr.jobs.list({ status: "failed", provider: "openai", limit: 10, offset: 20 });
    expect(jobs.map((j) => j.id)).toEqual([1, 2]);
    expect(mock.seen[0]).toMatchObject({
      method: "GET",
      path: "/api/jobs",
      query: { status: "failed", provider: "openai", limit: "10", offset: "20" },
    });
  });

  it("sends no query when no filter is given", async () => {
    mock.on("GET /api/jobs", () => []);
    expect(await client().mr.jobs.list()).toEqual([]);
    expect(mock.seen[0]?.search).toBe("");
  });

  it.each([
    ["{ jobs }", { jobs: [job(1)], total: 1 }],
    ["{ data }", { data: [job(1)] }],
  ])("accepts a list wrapped as %s", async (_, answer) => {
    mock.on("GET /api/jobs", () => answer);
    expect((await client().mr.jobs.list()).map((j) => j.id)).toEqual([1]);
  });

  it("leaves out and logs items that are not jobs; refuses an answer that is not a list", async () => {
    mock.on("GET /api/jobs", (_, n) => (n === 1 ? [job(1), { id: 2 }, "x"] : { jobs: "none" }));
    const { mr, logger } = client();
    expect((await mr.jobs.list()).map((j) => j.id)).toEqual([1]);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining("2 job(s) the SDK cannot use"));
    await expect(mr.jobs.list()).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it("checks its query", async () => {
    const { mr } = client();
    await expect(mr.jobs.list({ limit: 0 })).rejects.toThrow("jobs.list: limit must be at least 1; got the number 0.");
    await expect(mr.jobs.list({ offset: -1 })).rejects.toThrow(TypeError);
    await expect(mr.jobs.list({ status: 3 } as never)).rejects.toThrow(TypeError);
    expect(mock.seen).toHaveLength(0);
  });
});

describe("jobs.listAll()", () => {
  const pages = [[job(1), job(2)], [job(3), job(4)], [job(5)]];

  it("walks offset pages until an empty page: a short page is not taken for the last", async () => {
    mock.on("GET /api/jobs", (seen) => pages[Number(seen.query.offset) / 2] ?? []);
    const ids: unknown[] = [];
    for await (const j of client().mr.jobs.listAll({ status: "done", pageSize: 2 })) ids.push(j.id);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    expect(mock.seen.map((s) => s.query)).toEqual([
      { status: "done", limit: "2", offset: "0" },
      { status: "done", limit: "2", offset: "2" },
      { status: "done", limit: "2", offset: "4" },
      { status: "done", limit: "2", offset: "5" },
    ]);
  });

  it("follows a server that caps its page size and sends no total (50 per page for 100 asked, 53 jobs)", async () => {
    const all = Array.from({ length: 53 }, (_, i) => job(i + 1));
    mock.on("GET /api/jobs", (seen) => {
      const offset = Number(seen.query.offset);
      return { jobs: all.slice(offset, offset + Math.min(50, Number(seen.query.limit))) };
    });
    const ids: unknown[] = [];
    for await (const j of client().mr.jobs.listAll()) ids.push(j.id);
    expect(ids).toEqual(all.map((j) => j.id));
    expect(mock.seen.map((s) => [s.query.limit, s.query.offset])).toEqual([
      ["100", "0"],
      ["100", "50"],
      ["100", "53"],
    ]);
  });

  it("stops on the same page twice when the server ignores offset", async () => {
    mock.on("GET /api/jobs", () => [job(1), job(2)]);
    const ids: unknown[] = [];
    for await (const j of client().mr.jobs.listAll({ pageSize: 2 })) ids.push(j.id);
    expect(ids).toEqual([1, 2]);
    expect(mock.seen).toHaveLength(2);
  });

  it("stops after one page when the server ignores limit and offset", async () => {
    mock.on("GET /api/jobs", () => [job(1), job(2), job(3)]);
    const ids: unknown[] = [];
    for await (const j of client().mr.jobs.listAll({ pageSize: 2 })) ids.push(j.id);
    expect(ids).toEqual([1, 2, 3]);
    expect(mock.seen).toHaveLength(1);
  });

  it("stops on an empty page when the last full page ended the list", async () => {
    mock.on("GET /api/jobs", (seen) => ({ jobs: pages.slice(0, 2)[Number(seen.query.offset) / 2] ?? [] }));
    const ids: unknown[] = [];
    for await (const j of client().mr.jobs.listAll({ pageSize: 2 })) ids.push(j.id);
    expect(ids).toEqual([1, 2, 3, 4]);
    expect(mock.seen.map((s) => s.query.offset)).toEqual(["0", "2", "4"]);
  });

  it("uses the answer's total: no extra request, and it follows a server that caps the page size", async () => {
    const all = [1, 2, 3, 4, 5].map((id) => job(id));
    // The server sends at most 2 per page whatever the limit asked.
    mock.on("GET /api/jobs", (seen) => {
      const offset = Number(seen.query.offset);
      return { jobs: all.slice(offset, offset + 2), total: all.length };
    });
    const ids: unknown[] = [];
    for await (const j of client().mr.jobs.listAll({ pageSize: 100 })) ids.push(j.id);
    expect(ids).toEqual([1, 2, 3, 4, 5]);
    expect(mock.seen.map((s) => [s.query.limit, s.query.offset])).toEqual([
      ["100", "0"],
      ["100", "2"],
      ["100", "4"],
    ]);
  });

  it("asks for 100 per page by default, fetches lazily and stops when the loop breaks", async () => {
    mock.on("GET /api/jobs", () => Array.from({ length: 100 }, (_, i) => job(i + 1)));
    const iterator = client().mr.jobs.listAll();
    expect(mock.seen).toHaveLength(0);
    for await (const j of iterator) if (j.id === 3) break;
    expect(mock.seen).toHaveLength(1);
    expect(mock.seen[0]?.query).toEqual({ limit: "100", offset: "0" });
  });

  it("checks pageSize at once", () => {
    expect(() => client().mr.jobs.listAll({ pageSize: 0 })).toThrow(TypeError);
  });
});

describe("jobs.cancel() and jobs.retry()", () => {
  it("send POST /api/jobs/<id>/cancel without a body, or with { reason }", async () => {
    mock.on("POST /api/jobs/:id/cancel", () => job(7, { status: "cancelled" }));
    const { mr } = client();
    expect((await mr.jobs.cancel(7)).status).toBe("cancelled");
    await mr.jobs.cancel(7, { reason: "duplicate" });
    expect(mock.seen.map((s) => [s.method, s.path, s.text])).toEqual([
      ["POST", "/api/jobs/7/cancel", ""],
      ["POST", "/api/jobs/7/cancel", JSON.stringify({ reason: "duplicate" })],
    ]);
    expect(mock.seen[0]?.headers["content-type"]).toBeUndefined();
    await expect(mr.jobs.cancel(7, { reason: 1 } as never)).rejects.toThrow(TypeError);
  });

  it("send POST /api/jobs/<id>/retry without a body", async () => {
    mock.on("POST /api/jobs/:id/retry", () => ({ job: job(8, { status: "pending" }) }));
    expect((await client().mr.jobs.retry(8)).status).toBe("pending");
    expect(mock.seen[0]).toMatchObject({ method: "POST", path: "/api/jobs/8/retry", text: "" });
  });

  it("pass the 409 of a job in the wrong state", async () => {
    mock.on("POST /api/jobs/:id/retry", () => status(409, { error: "job 8 is running" }));
    await expect(client().mr.jobs.retry(8)).rejects.toBeInstanceOf(ConflictError);
  });
});

describe("jobs.wait()", () => {
  it("polls get() until a final state and returns that job", async () => {
    const states = ["pending", "running", "done"];
    mock.on("GET /api/jobs/:id", (_, n) => job(3, { status: states[n - 1] ?? "done", result: n === 3 ? "ok" : null }));
    const done = await client().mr.jobs.wait(3, { pollIntervalMs: 5 });
    expect(done).toMatchObject({ id: 3, status: "done", result: "ok" });
    expect(mock.seen.map((s) => s.path)).toEqual(["/api/jobs/3", "/api/jobs/3", "/api/jobs/3"]);
  });

  it.each(["completed", "failed", "cancelled"])("ends on %s by default", async (final) => {
    mock.on("GET /api/jobs/:id", (_, n) => job(3, { status: n === 1 ? "running" : final }));
    expect((await client().mr.jobs.wait(3, { pollIntervalMs: 1 })).status).toBe(final);
  });

  it("ends on the states given in until", async () => {
    mock.on("GET /api/jobs/:id", (_, n) => job(3, { status: n === 1 ? "pending" : "running" }));
    expect((await client().mr.jobs.wait(3, { until: ["running"], pollIntervalMs: 1 })).status).toBe("running");
    expect(mock.seen).toHaveLength(2);
  });

  it("throws WaitTimeoutError with the last state after maxWaitMs", async () => {
    mock.on("GET /api/jobs/:id", () => job(3, { status: "running" }));
    const started = Date.now();
    const error = await client()
      .mr.jobs.wait(3, { pollIntervalMs: 10, maxWaitMs: 60 })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toMatchObject({
      name: "WaitTimeoutError",
      jobId: 3,
      maxWaitMs: 60,
      method: "GET",
      path: "/api/jobs/3",
    });
    expect(WorkerError.is(error)).toBe(true);
    expect((error as WaitTimeoutError).job?.status).toBe("running");
    expect((error as Error).message).toBe("job 3 did not reach a final state within 60 ms (last status: running)");
  });

  it("times out during a slow get() too", async () => {
    mock.on("GET /api/jobs/:id", () => new Promise(() => {}));
    const error = await client()
      .mr.jobs.wait(3, { maxWaitMs: 30 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).job).toBeUndefined();
  });

  it("stops with the signal's reason", async () => {
    mock.on("GET /api/jobs/:id", () => job(3, { status: "running" }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("shutting down")), 30);
    await expect(client().mr.jobs.wait(3, { pollIntervalMs: 5 }, { signal: controller.signal })).rejects.toThrow(
      "shutting down",
    );
  });

  it("passes errors of get() through", async () => {
    mock.on("GET /api/jobs/:id", () => status(404));
    await expect(client().mr.jobs.wait(3, { pollIntervalMs: 1 })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("checks its options", async () => {
    const { mr } = client();
    await expect(mr.jobs.wait(3, { pollIntervalMs: 0 })).rejects.toThrow(TypeError);
    await expect(mr.jobs.wait(3, { maxWaitMs: -1 })).rejects.toThrow(TypeError);
    await expect(mr.jobs.wait(3, { until: [] })).rejects.toThrow("jobs.wait: until must name at least one status.");
    await expect(mr.jobs.wait(3, { until: "done" } as never)).rejects.toThrow(TypeError);
    expect(mock.seen).toHaveLength(0);
  });

  it("types its answer as Job", async () => {
    mock.on("GET /api/jobs/:id", () => job(3, { status: "done" }));
    const done: Job = await client().mr.jobs.wait(3);
    expect(done.status).toBe("done");
  });
});
