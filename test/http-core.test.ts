import { readFileSync } from "node:fs";
import { HttpResponse } from "msw";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  BadRequestError,
  ConflictError,
  ConnectionError,
  InternalServerError,
  RateLimitError,
  TimeoutError,
  VERSION,
  Worker,
  WorkerError,
} from "../src/index.js";
import { BASE, deferred, json, setupMockServer, spyLogger, TOKEN, WORKER_NAME } from "./support/msw.js";

const mock = setupMockServer();

function makeWorker(extra: Partial<ConstructorParameters<typeof Worker>[0]> = {}) {
  const logger = spyLogger();
  return { worker: new Worker({ token: TOKEN, url: BASE, name: WORKER_NAME, logger, ...extra }), logger };
}

/** Answers with each response in turn, then repeats the last one. */
function sequence(...responses: Array<() => Response>) {
  let i = 0;
  return () => {
    const make = responses[Math.min(i, responses.length - 1)] as () => Response;
    i++;
    return make();
  };
}

const job = { id: 5, prompt: "p", status: "running" };

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("retries", () => {
  // Full jitter with random() = 0 makes every back-off 0 ms.
  const instantBackoff = () => vi.spyOn(Math, "random").mockReturnValue(0);

  it.each([500, 502, 503, 504, 429, 408])(
    "HTTP %i is retried twice by default, then thrown with attempts 3",
    async (status) => {
      instantBackoff();
      mock.on("POST /api/jobs/:id/claim", () => json({ error: "later" }, { status }));
      const error = (await makeWorker()
        .worker.claim(5)
        .catch((e: unknown) => e)) as WorkerError;
      expect(error).toBeInstanceOf(WorkerError);
      expect(error.status).toBe(status);
      expect(error.attempts).toBe(3);
      expect(mock.requests).toHaveLength(3);
    },
  );

  it("a network failure is retried, then thrown as ConnectionError with attempts", async () => {
    instantBackoff();
    mock.on("GET /my-jobs", () => HttpResponse.error());
    const error = (await makeWorker()
      .worker.inbox()
      .catch((e: unknown) => e)) as WorkerError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.attempts).toBe(3);
    expect(mock.requests).toHaveLength(3);
  });

  it("succeeds when a retry succeeds", async () => {
    instantBackoff();
    mock.on(
      "POST /api/jobs/:id/claim",
      sequence(
        () => json({}, { status: 503 }),
        () => HttpResponse.error(),
        () => json(job),
      ),
    );
    const { worker, logger } = makeWorker();
    await expect(worker.claim(5)).resolves.toEqual(job);
    expect(mock.requests).toHaveLength(3);
    // Each retry is logged at debug level, not as a warning.
    expect(logger.debug).toHaveBeenCalledTimes(2);
    expect(logger.debug.mock.calls[0]?.[0]).toContain("retry 1 of 2");
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it.each([400, 401, 403, 404, 409, 410, 422])("HTTP %i is not retried", async (status) => {
    instantBackoff();
    mock.on("POST /api/jobs/:id/complete", () => json({ error: "no" }, { status }));
    const error = (await makeWorker()
      .worker.complete(5, "r")
      .catch((e: unknown) => e)) as WorkerError;
    expect(error.status).toBe(status);
    expect(error.attempts).toBe(1);
    expect(mock.requests).toHaveLength(1);
  });

  it("the idempotency key is the same on every retry of one call and differs between calls", async () => {
    instantBackoff();
    mock.on(
      "POST /api/jobs/:id/complete",
      sequence(
        () => json({}, { status: 502 }),
        () => json({}, { status: 502 }),
        () => json({ ok: true }),
        () => json({}, { status: 503 }),
        () => json({ ok: true }),
      ),
    );
    const { worker } = makeWorker();
    await worker.complete(5, "first");
    await worker.complete(5, "second");
    const keys = mock.requests.map((r) => r.headers["idempotency-key"]);
    expect(keys).toHaveLength(5);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).toBe(keys[0]);
    expect(keys[3]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[4]).toBe(keys[3]);
    expect(keys[3]).not.toBe(keys[0]);
    // The body and the token go out unchanged on every attempt.
    expect(mock.requests.slice(0, 3).map((r) => r.json)).toEqual(
      Array(3).fill({ worker: WORKER_NAME, status: "done", result: "first" }),
    );
    expect(new Set(mock.requests.map((r) => r.headers.authorization))).toEqual(new Set([`Bearer ${TOKEN}`]));
  });

  it("the worker's maxRetries sets the number of retries", async () => {
    instantBackoff();
    mock.on("PUT /presence", () => json({}, { status: 500 }));
    const error = (await makeWorker({ maxRetries: 4 })
      .worker.heartbeat()
      .catch((e: unknown) => e)) as WorkerError;
    expect(error.attempts).toBe(5);
    expect(mock.requests).toHaveLength(5);
  });

  it("maxRetries 0 sends once", async () => {
    mock.on("PUT /presence", () => json({}, { status: 500 }));
    const error = (await makeWorker({ maxRetries: 0 })
      .worker.heartbeat()
      .catch((e: unknown) => e)) as WorkerError;
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.attempts).toBe(1);
    expect(mock.requests).toHaveLength(1);
  });

  it("a per-request maxRetries overrides the worker's", async () => {
    instantBackoff();
    mock.on("GET /my-jobs", () => json({}, { status: 503 }));
    const { worker } = makeWorker({ maxRetries: 5 });
    const error = (await worker.inbox("pending", { maxRetries: 1 }).catch((e: unknown) => e)) as WorkerError;
    expect(error.attempts).toBe(2);
    expect(mock.requests).toHaveLength(2);
    mock.on("PUT /presence", () => json({}, { status: 500 }));
    const heartbeatError = (await worker
      .heartbeat(undefined, undefined, { maxRetries: 0 })
      .catch((e: unknown) => e)) as WorkerError;
    expect(heartbeatError.attempts).toBe(1);
    expect(mock.to("PUT", "/presence")).toHaveLength(1);
  });

  it("a 409 after a retry still says how many attempts there were", async () => {
    instantBackoff();
    mock.on(
      "POST /api/jobs/:id/claim",
      sequence(
        () => HttpResponse.error(),
        () => json({ error: "already claimed" }, { status: 409 }),
      ),
    );
    const error = (await makeWorker()
      .worker.claim(5)
      .catch((e: unknown) => e)) as WorkerError;
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.attempts).toBe(2);
  });

  it("a 400 after a 5xx is thrown at once", async () => {
    instantBackoff();
    mock.on(
      "POST /api/reviews",
      sequence(
        () => json({}, { status: 500 }),
        () => json({ error: "bad" }, { status: 400 }),
      ),
    );
    const error = await makeWorker()
      .worker.submitReview("t", "t", "c")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(mock.requests).toHaveLength(2);
  });

  it("the back-off grows: full jitter under 500 ms, 1 s, 2 s ... ceilings", async () => {
    vi.spyOn(Math, "random").mockReturnValue(1);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    mock.on("PUT /presence", () => json({}, { status: 503 }));
    const { worker, logger } = makeWorker({ maxRetries: 3 });
    const outcome = worker.heartbeat().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(0);
    expect(mock.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(mock.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(mock.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(mock.requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(mock.requests).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(mock.requests).toHaveLength(4);
    const error = (await outcome) as WorkerError;
    expect(error.attempts).toBe(4);
    expect(logger.debug.mock.calls.map((call) => /retrying in (\d+) ms/.exec(call[0])?.[1])).toEqual([
      "500",
      "1000",
      "2000",
    ]);
  });
});

describe("Retry-After", () => {
  it("is honoured in seconds instead of the back-off", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    mock.on(
      "GET /my-jobs",
      sequence(
        () => json({ error: "slow down" }, { status: 429, headers: { "retry-after": "3" } }),
        () => json([]),
      ),
    );
    const result = makeWorker().worker.inbox();
    await vi.advanceTimersByTimeAsync(0);
    expect(mock.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_990);
    expect(mock.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20);
    expect(mock.requests).toHaveLength(2);
    await expect(result).resolves.toEqual([]);
  });

  it("is honoured as an HTTP date, and on a 503 too", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"], now: new Date("2030-01-01T00:00:00Z") });
    mock.on(
      "PUT /presence",
      sequence(
        () => json({}, { status: 503, headers: { "retry-after": "Tue, 01 Jan 2030 00:00:10 GMT" } }),
        () => json({ ok: true }),
      ),
    );
    const result = makeWorker().worker.heartbeat();
    await vi.advanceTimersByTimeAsync(9_900);
    expect(mock.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(mock.requests).toHaveLength(2);
    await expect(result).resolves.toEqual({ ok: true });
  });

  it("a 429 that stays is thrown as RateLimitError after the retries", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    mock.on("PUT /presence", () => json({}, { status: 429, headers: { "retry-after": "1" } }));
    const outcome = makeWorker()
      .worker.heartbeat()
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2_100);
    const error = (await outcome) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.retryAfterMs).toBe(1_000);
    expect(error.attempts).toBe(3);
  });
});

describe("timeouts", () => {
  it("a per-request timeoutMs overrides the worker's", async () => {
    mock.on("GET /my-jobs", async ({ request }) => {
      await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
      return json([]);
    });
    const { worker } = makeWorker({ timeoutMs: 60_000, maxRetries: 0 });
    const error = (await worker.inbox("pending", { timeoutMs: 30 }).catch((e: unknown) => e)) as WorkerError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toBe("GET /my-jobs got no answer within 30 ms");
  });
});

describe("the caller's AbortSignal", () => {
  it("stops a request in flight at once with the signal's reason, without retrying", async () => {
    const arrived = deferred();
    mock.on("GET /my-jobs", async ({ request }) => {
      arrived.resolve();
      await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
      return json([]);
    });
    const controller = new AbortController();
    const { worker } = makeWorker({ timeoutMs: 60_000 });
    const outcome = worker.inbox("pending", { signal: controller.signal }).catch((e: unknown) => e);
    await arrived.promise;
    const reason = new Error("caller gave up");
    controller.abort(reason);
    await expect(outcome).resolves.toBe(reason);
    expect(mock.requests).toHaveLength(1);
  });

  it("stops during a back-off wait", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    mock.on("PUT /presence", () => json({}, { status: 503, headers: { "retry-after": "30" } }));
    const controller = new AbortController();
    const outcome = makeWorker()
      .worker.heartbeat("active", {}, { signal: controller.signal })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(mock.requests).toHaveLength(1);
    controller.abort();
    const error = (await outcome) as Error;
    expect(error.name).toBe("AbortError");
    expect(mock.requests).toHaveLength(1);
    // Nothing is left waiting.
    expect(vi.getTimerCount()).toBe(0);
  });

  it("an already aborted signal sends nothing", async () => {
    const { worker } = makeWorker();
    await expect(worker.claim(1, { signal: AbortSignal.abort(new Error("no")) })).rejects.toThrow("no");
    expect(mock.requests).toHaveLength(0);
  });
});

describe("user agent", () => {
  it("VERSION equals package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });

  it("is modelreins-worker-ts/<version> node/<version> on every call", async () => {
    mock.on("PUT /presence", () => json({}));
    mock.on("GET /my-jobs", () => json([]));
    const { worker } = makeWorker();
    await worker.heartbeat();
    await worker.inbox();
    for (const r of mock.requests) {
      expect(r.headers["user-agent"]).toBe(`modelreins-worker-ts/${VERSION} node/${process.versions.node}`);
    }
  });
});
