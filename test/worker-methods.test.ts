import { HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { InvalidResponseError, VERSION, Worker } from "../src/index.js";
import { BASE, json, setupMockServer, spyLogger, TOKEN, WORKER_NAME } from "./support/msw.js";

const mock = setupMockServer();

function makeWorker(extra: Partial<ConstructorParameters<typeof Worker>[0]> = {}) {
  const logger = spyLogger();
  return {
    worker: new Worker({ token: TOKEN, url: BASE, name: WORKER_NAME, maxRetries: 0, logger, ...extra }),
    logger,
  };
}

const USER_AGENT = `modelreins-worker-ts/${VERSION} node/${process.versions.node}`;

function expectCommonHeaders(headers: Record<string, string>) {
  expect(headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(headers["user-agent"]).toBe(USER_AGENT);
  expect(headers.accept).toBe("application/json");
}

describe("heartbeat()", () => {
  it("PUT /presence with instance, status 'active' and empty tags by default, no details", async () => {
    mock.on("PUT /presence", () => json({ ok: true, seen: 1 }));
    const { worker } = makeWorker();
    await expect(worker.heartbeat()).resolves.toEqual({ ok: true, seen: 1 });
    const [req] = mock.requests;
    expect(req?.method).toBe("PUT");
    expect(req?.path).toBe("/presence");
    expect(req?.query).toEqual({});
    expectCommonHeaders(req?.headers ?? {});
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers["idempotency-key"]).toBeUndefined();
    expect(req?.json).toStrictEqual({ instance: WORKER_NAME, status: "active", tags: "" });
    expect(Object.keys(req?.json as object)).not.toContain("details");
  });

  it("joins tags with commas and sends status and details as given", async () => {
    mock.on("PUT /presence", () => json({}));
    const { worker } = makeWorker();
    await worker.heartbeat("busy", { tags: ["gpu", "fast", "eu-west"], details: { load: 0.5, jobs: [1, 2] } });
    expect(mock.requests[0]?.json).toStrictEqual({
      instance: WORKER_NAME,
      status: "busy",
      tags: "gpu,fast,eu-west",
      details: { load: 0.5, jobs: [1, 2] },
    });
  });

  it("uses the worker's tags when the call gives none; the call's tags win", async () => {
    mock.on("PUT /presence", () => json({}));
    const { worker } = makeWorker({ tags: ["a", "b"] });
    await worker.heartbeat();
    await worker.heartbeat(undefined, { tags: [] });
    await worker.heartbeat("active", { tags: ["c"] });
    expect(mock.requests.map((r) => (r.json as { tags: string }).tags)).toEqual(["a,b", "", "c"]);
  });

  it("refuses tags with commas before sending", async () => {
    const { worker } = makeWorker();
    await expect(worker.heartbeat("active", { tags: ["a,b"] })).rejects.toThrow(TypeError);
    expect(mock.requests).toHaveLength(0);
  });

  it("an empty answer is {}; a non-object answer is an InvalidResponseError", async () => {
    mock.on("PUT /presence", () => new HttpResponse(null, { status: 204 }));
    const { worker } = makeWorker();
    await expect(worker.heartbeat()).resolves.toEqual({});
    mock.server.resetHandlers();
    mock.on("PUT /presence", () => json([1, 2]));
    await expect(worker.heartbeat()).rejects.toBeInstanceOf(InvalidResponseError);
  });
});

describe("inbox()", () => {
  const jobs = [
    { id: 1, prompt: "one", status: "pending", assigned_to: WORKER_NAME, priority: "high", extra: { keep: true } },
    { id: "j-2", prompt: "two", status: "pending", assigned_to: WORKER_NAME },
  ];

  it("GET /my-jobs?worker=<name>&status=pending by default, no body, no content-type", async () => {
    mock.on("GET /my-jobs", () => json(jobs));
    const { worker } = makeWorker();
    await expect(worker.inbox()).resolves.toEqual(jobs);
    const [req] = mock.requests;
    expect(req?.method).toBe("GET");
    expect(req?.path).toBe("/my-jobs");
    expect(req?.query).toStrictEqual({ worker: WORKER_NAME, status: "pending" });
    expectCommonHeaders(req?.headers ?? {});
    expect(req?.headers["content-type"]).toBeUndefined();
    expect(req?.headers["idempotency-key"]).toBeUndefined();
  });

  it("asks for another status when given, and encodes the name", async () => {
    mock.on("GET /my-jobs", () => json([]));
    const { worker } = makeWorker({ name: "box & co/1" });
    await worker.inbox("running");
    expect(mock.requests[0]?.query).toStrictEqual({ worker: "box & co/1", status: "running" });
  });

  it("accepts { jobs: [...] } and keeps unknown fields", async () => {
    mock.on("GET /my-jobs", () => json({ jobs, total: 2 }));
    const { worker } = makeWorker();
    const result = await worker.inbox();
    expect(result).toEqual(jobs);
    expect(result[0]?.extra).toEqual({ keep: true });
    expect(result[0]?.priority).toBe("high");
  });

  it("an empty list is an empty array", async () => {
    mock.on("GET /my-jobs", () => json({ jobs: [] }));
    await expect(makeWorker().worker.inbox()).resolves.toEqual([]);
  });

  it("leaves out broken items with one warning", async () => {
    mock.on("GET /my-jobs", () =>
      json([
        jobs[0],
        { prompt: "no id" },
        "junk",
        { id: 3 },
        { id: "", prompt: "empty id" },
        { id: 4, prompt: "p", status: 5 },
        jobs[1],
      ]),
    );
    const { worker, logger } = makeWorker();
    await expect(worker.inbox()).resolves.toEqual(jobs);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    const message = logger.warn.mock.calls[0]?.[0] ?? "";
    expect(message).toContain("5 job(s)");
    expect(message).toContain("item 1 has no usable id");
    expect(message).toContain("item 2 is not an object");
    expect(message).toContain("item 3 (id 3) has no prompt string");
    expect(message).toContain("item 5 (id 4) has a status that is not a string");
  });

  it.each([[{ jobs: null }], [{ job: [] }], ["jobs"], [42], [null], [{}]])(
    "a non-list answer %j is an InvalidResponseError",
    async (body) => {
      mock.on("GET /my-jobs", () => json(body));
      const error = await makeWorker()
        .worker.inbox()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect((error as Error).message).toContain("GET /my-jobs answered something that is not a list");
    },
  );

  it("HTML with status 200 is an InvalidResponseError naming the likely cause", async () => {
    mock.on("GET /my-jobs", () => HttpResponse.html("<html><head><title>Login</title></head></html>"));
    const error = (await makeWorker()
      .worker.inbox()
      .catch((e: unknown) => e)) as InvalidResponseError;
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toMatch(/GET \/my-jobs answered HTTP 200 with text\/html.*that is not JSON/);
    expect(error.message).toMatch(/is the URL passed in \(\S+\) the coordinator, not a web page or a proxy\?/);
    expect(error.body).toContain("<title>Login</title>");
  });
});

describe("claim()", () => {
  it("POST /api/jobs/<id>/claim with {worker} and an idempotency key", async () => {
    const job = { id: 7, prompt: "hello", status: "running", assigned_to: WORKER_NAME, model: "m" };
    mock.on("POST /api/jobs/:id/claim", () => json(job));
    const { worker } = makeWorker();
    await expect(worker.claim(7)).resolves.toEqual(job);
    const [req] = mock.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/api/jobs/7/claim");
    expect(req?.json).toStrictEqual({ worker: WORKER_NAME });
    expectCommonHeaders(req?.headers ?? {});
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("accepts { job: {...} }", async () => {
    const job = { id: 8, prompt: "wrapped", status: "running" };
    mock.on("POST /api/jobs/:id/claim", () => json({ job, ok: true }));
    await expect(makeWorker().worker.claim(8)).resolves.toEqual(job);
  });

  it.each([[{ ok: true }], [[]], [{ id: 1 }], [{ job: { id: 1 } }]])(
    "an answer %j that is not a job is an InvalidResponseError",
    async (body) => {
      mock.on("POST /api/jobs/:id/claim", () => json(body));
      const error = await makeWorker()
        .worker.claim(1)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect((error as Error).message).toContain("POST /api/jobs/1/claim answered a job that");
    },
  );

  it("an empty answer is an InvalidResponseError", async () => {
    mock.on("POST /api/jobs/:id/claim", () => new HttpResponse(null, { status: 200 }));
    await expect(makeWorker().worker.claim(1)).rejects.toBeInstanceOf(InvalidResponseError);
  });
});

describe("complete()", () => {
  it("POST /api/jobs/<id>/complete with result '' and status 'done' by default", async () => {
    mock.on("POST /api/jobs/:id/complete", () => json({ ok: true }));
    const { worker } = makeWorker();
    await expect(worker.complete(11)).resolves.toEqual({ ok: true });
    const [req] = mock.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/api/jobs/11/complete");
    expect(req?.json).toStrictEqual({ worker: WORKER_NAME, status: "done", result: "" });
    expectCommonHeaders(req?.headers ?? {});
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers["idempotency-key"]).toBeDefined();
  });

  it("sends result and status as given", async () => {
    mock.on("POST /api/jobs/:id/complete", () => json({}));
    await makeWorker().worker.complete("j-1", "it broke\n  at x", "failed");
    expect(mock.requests[0]?.json).toStrictEqual({ worker: WORKER_NAME, status: "failed", result: "it broke\n  at x" });
  });

  it("an empty answer is {}", async () => {
    mock.on("POST /api/jobs/:id/complete", () => new HttpResponse(null, { status: 204 }));
    await expect(makeWorker().worker.complete(1, "r")).resolves.toEqual({});
  });

  it("refuses a result that is not a string, or a status other than done/failed, before sending", async () => {
    const { worker } = makeWorker();
    await expect(worker.complete(1, { a: 1 } as never)).rejects.toThrow(/result must be a string/);
    await expect(worker.complete(1, "r", "completed" as never)).rejects.toThrow(/status must be "done" or "failed"/);
    expect(mock.requests).toHaveLength(0);
  });
});

describe("submitReview()", () => {
  it("POST /api/reviews with only the fields given", async () => {
    mock.on("POST /api/reviews", () => json({ id: 268, status: "pending", mode: "review" }));
    const { worker } = makeWorker();
    await expect(worker.submitReview("image", "Logo", "v2")).resolves.toEqual({
      id: 268,
      status: "pending",
      mode: "review",
    });
    const [req] = mock.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/api/reviews");
    expect(req?.json).toStrictEqual({ type: "image", title: "Logo", content: "v2" });
    expectCommonHeaders(req?.headers ?? {});
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(req?.headers["idempotency-key"]).toBeDefined();
  });

  it("sends preview, target and job_id when given", async () => {
    mock.on("POST /api/reviews", () => json({ id: 1, status: "pending" }));
    await makeWorker().worker.submitReview("text", "t", "c", { preview: `${BASE}/s/abc`, target: "slack", job_id: 42 });
    expect(mock.requests[0]?.json).toStrictEqual({
      type: "text",
      title: "t",
      content: "c",
      preview: `${BASE}/s/abc`,
      target: "slack",
      job_id: 42,
    });
  });

  it("leaves out fields set to undefined", async () => {
    mock.on("POST /api/reviews", () => json({ id: 1, status: "pending" }));
    await makeWorker().worker.submitReview("t", "t", "c", { preview: undefined, job_id: undefined });
    expect(mock.requests[0]?.json).toStrictEqual({ type: "t", title: "t", content: "c" });
  });

  it.each(["type", "title", "content"] as const)("refuses a missing %s before sending", async (field) => {
    const review = { type: "t", title: "t", content: "c", [field]: undefined };
    await expect(makeWorker().worker.submitReview(review.type, review.title, review.content as never)).rejects.toThrow(
      `worker.submitReview: ${field} must be a string; got nothing.`,
    );
    expect(mock.requests).toHaveLength(0);
  });
});

describe("idempotency keys", () => {
  it("every POST has its own key; GET and PUT have none", async () => {
    mock.on("POST /api/jobs/:id/claim", () => json({ id: 1, prompt: "p", status: "running" }));
    mock.on("POST /api/jobs/:id/complete", () => json({}));
    mock.on("POST /api/reviews", () => json({ id: 1, status: "pending" }));
    mock.on("GET /my-jobs", () => json([]));
    mock.on("PUT /presence", () => json({}));
    const { worker } = makeWorker();
    await worker.claim(1);
    await worker.claim(1);
    await worker.complete(1, "r");
    await worker.submitReview("t", "t", "c");
    await worker.inbox();
    await worker.heartbeat();
    const keys = mock.requests.filter((r) => r.method === "POST").map((r) => r.headers["idempotency-key"]);
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(4);
    for (const r of mock.requests.filter((r) => r.method !== "POST"))
      expect(r.headers["idempotency-key"]).toBeUndefined();
  });
});
