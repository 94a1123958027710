import { inspect } from "node:util";
import { HttpResponse } from "msw";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  InternalServerError,
  InvalidResponseError,
  NoEligibleWorkerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
  WaitTimeoutError,
  Worker,
  WorkerError,
} from "../src/index.js";
import { BASE, json, loggedText, setupMockServer, spyLogger, TOKEN, WORKER_NAME } from "./support/msw.js";

const mock = setupMockServer();

function makeWorker(logger = spyLogger()) {
  return new Worker({ token: TOKEN, url: BASE, name: WORKER_NAME, maxRetries: 0, logger });
}

async function failure(promise: Promise<unknown>): Promise<WorkerError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WorkerError);
    return error as WorkerError;
  }
  throw new Error("expected the call to fail");
}

function expectNoToken(error: unknown) {
  const e = error as Error;
  expect(e.message).not.toContain(TOKEN);
  expect(String(e.stack)).not.toContain(TOKEN);
  expect(inspect(e, { depth: 10, showHidden: true })).not.toContain(TOKEN);
  expect(JSON.stringify(e)).not.toContain(TOKEN);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("status → error class", () => {
  const cases: Array<[number, new (...args: never[]) => WorkerError, string]> = [
    [400, BadRequestError, "BadRequestError"],
    [422, BadRequestError, "BadRequestError"],
    [401, AuthenticationError, "AuthenticationError"],
    [403, PermissionDeniedError, "PermissionDeniedError"],
    [404, NotFoundError, "NotFoundError"],
    [409, ConflictError, "ConflictError"],
    [429, RateLimitError, "RateLimitError"],
    [500, InternalServerError, "InternalServerError"],
    [502, InternalServerError, "InternalServerError"],
    [503, InternalServerError, "InternalServerError"],
    [504, InternalServerError, "InternalServerError"],
  ];

  it.each(cases)("HTTP %i → %o", async (status, Class, name) => {
    mock.on("POST /api/jobs/:id/claim", () => json({ error: `nope ${status}` }, { status }));
    const error = await failure(makeWorker().claim(7));
    expect(error).toBeInstanceOf(Class);
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).toBeInstanceOf(Error);
    expect(error.constructor).toBe(Class);
    expect(error.name).toBe(name);
    expect(error.status).toBe(status);
    expect(error.method).toBe("POST");
    expect(error.path).toBe("/api/jobs/7/claim");
    expect(error.body).toEqual({ error: `nope ${status}` });
    expect(error.message).toContain(`POST /api/jobs/7/claim failed with HTTP ${status}`);
    expect(error.message).toContain(`nope ${status}`);
    expect(error.attempts).toBe(1);
    expect(error.headers?.get("content-type")).toContain("application/json");
  });

  it.each([402, 405, 410, 418, 451])("other 4xx (%i) → a plain WorkerError", async (status) => {
    mock.on("GET /my-jobs", () => new HttpResponse("teapot", { status }));
    const error = await failure(makeWorker().inbox());
    expect(error.constructor).toBe(WorkerError);
    expect(error.name).toBe("WorkerError");
    expect(error.status).toBe(status);
    expect(error.method).toBe("GET");
    expect(error.path).toBe("/my-jobs");
    expect(error.body).toBe("teapot");
  });

  it("401 tells the user to check the token, naming the env var", async () => {
    mock.on("PUT /presence", () => json({ error: "bad token" }, { status: 401 }));
    const error = await failure(makeWorker().heartbeat());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain("MODELREINS_TOKEN");
  });

  it("the path on the error is the path without base URL or query string", async () => {
    mock.on("GET /my-jobs", () => json({ error: "x" }, { status: 404 }));
    const error = await failure(makeWorker().inbox("running"));
    expect(error.path).toBe("/my-jobs");
    expect(error.message).not.toContain(BASE);
  });
});

describe("error bodies", () => {
  it("keeps a JSON body parsed", async () => {
    mock.on("POST /api/jobs/:id/complete", () => json({ error: "bad", details: { field: "result" } }, { status: 422 }));
    const error = await failure(makeWorker().complete(1, "r"));
    expect(error.body).toEqual({ error: "bad", details: { field: "result" } });
    expect(error.message).toContain("bad");
  });

  it("uses a JSON body's message field in the message", async () => {
    mock.on("POST /api/jobs/:id/complete", () => json({ message: "result too long" }, { status: 400 }));
    const error = await failure(makeWorker().complete(1, "r"));
    expect(error.message).toContain("result too long");
  });

  it("keeps a text body as text, cut to 2000 characters", async () => {
    const long = "x".repeat(5_000);
    mock.on("GET /my-jobs", () => new HttpResponse(long, { status: 500, headers: { "content-type": "text/plain" } }));
    const error = await failure(makeWorker().inbox());
    expect(typeof error.body).toBe("string");
    expect(error.body).toBe("x".repeat(2_000));
    // The message stays a readable single line, shorter still.
    expect(error.message.length).toBeLessThan(500);
    expect(error.message).not.toContain("\n");
  });

  it("an empty error body leaves body undefined and the message plain", async () => {
    mock.on("GET /my-jobs", () => new HttpResponse(null, { status: 404 }));
    const error = await failure(makeWorker().inbox());
    expect(error.body).toBeUndefined();
    expect(error.message).toBe("GET /my-jobs failed with HTTP 404");
  });
});

describe("RateLimitError.retryAfterMs", () => {
  it("reads Retry-After in seconds", async () => {
    mock.on("PUT /presence", () => json({ error: "slow down" }, { status: 429, headers: { "retry-after": "7" } }));
    const error = await failure(makeWorker().heartbeat());
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(7_000);
  });

  it("reads Retry-After as an HTTP date", async () => {
    const when = new Date(Date.now() + 20_000).toUTCString();
    mock.on("PUT /presence", () => json({ error: "slow down" }, { status: 429, headers: { "retry-after": when } }));
    const error = (await failure(makeWorker().heartbeat())) as RateLimitError;
    expect(error.retryAfterMs).toBeGreaterThan(15_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(20_000);
  });

  it("a date in the past is 0; no or unreadable header is undefined; a huge value is capped", async () => {
    const headers = [new Date(Date.now() - 60_000).toUTCString(), undefined, "soon", "86400"];
    const expected = [0, undefined, undefined, 60_000];
    for (const [i, value] of headers.entries()) {
      mock.server.resetHandlers();
      mock.on("PUT /presence", () =>
        json({}, { status: 429, headers: value === undefined ? {} : { "retry-after": value } }),
      );
      const error = (await failure(makeWorker().heartbeat())) as RateLimitError;
      expect(error.retryAfterMs, `Retry-After: ${value}`).toBe(expected[i]);
    }
  });
});

describe("answers the SDK cannot use", () => {
  it("HTML with status 200 is an InvalidResponseError with a clear message", async () => {
    mock.on("GET /my-jobs", () => HttpResponse.html("<!doctype html><html><body>Sign in</body></html>"));
    const error = await failure(makeWorker().inbox());
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.name).toBe("InvalidResponseError");
    expect(error.status).toBe(200);
    expect(error.message).toContain("GET /my-jobs");
    expect(error.message).toContain("text/html");
    expect(error.message).toContain("not JSON");
    // The URL came from the url option here: the message names it, not MODELREINS_URL.
    expect(error.message).toContain("is the URL passed in (https://coordinator.test) the coordinator");
    expect(error.message).toContain("Sign in");
  });

  it("a non-list inbox answer is an InvalidResponseError", async () => {
    mock.on("GET /my-jobs", () => json({ jobs: "none" }));
    const error = await failure(makeWorker().inbox());
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message).toContain("not a list");
  });
});

describe("the token never leaks", () => {
  it("not when the server echoes it in a JSON error body", async () => {
    mock.on("POST /api/jobs/:id/claim", ({ request }) =>
      json(
        { error: `invalid token ${request.headers.get("authorization")}`, got: request.headers.get("authorization") },
        { status: 403 },
      ),
    );
    const logger = spyLogger();
    const error = await failure(makeWorker(logger).claim(1));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error.message).toContain("[redacted]");
    expectNoToken(error);
    expect(JSON.stringify(error.body)).not.toContain(TOKEN);
    expect(loggedText(logger)).not.toContain(TOKEN);
  });

  it("not when the server echoes it in a text error body, on every retry", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    mock.on(
      "PUT /presence",
      ({ request }) =>
        new HttpResponse(`upstream failed for ${request.headers.get("authorization")}\n`.repeat(3), { status: 502 }),
    );
    const logger = spyLogger();
    const worker = new Worker({ token: TOKEN, url: BASE, name: WORKER_NAME, logger });
    const error = await failure(worker.heartbeat());
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.attempts).toBe(3);
    expectNoToken(error);
    expect(String(error.body)).not.toContain(TOKEN);
    expect(loggedText(logger)).not.toContain(TOKEN);
    expect(logger.debug).toHaveBeenCalled();
  });

  it("not when a 401 answer echoes it", async () => {
    mock.on(
      "GET /my-jobs",
      ({ request }) => new HttpResponse(`Unauthorized: ${request.headers.get("authorization")}`, { status: 401 }),
    );
    const error = await failure(makeWorker().inbox());
    expect(error).toBeInstanceOf(AuthenticationError);
    expectNoToken(error);
  });

  it("not when a 200 HTML page echoes it", async () => {
    mock.on("GET /my-jobs", ({ request }) => HttpResponse.html(`<p>hello ${request.headers.get("authorization")}</p>`));
    const error = await failure(makeWorker().inbox());
    expect(error).toBeInstanceOf(InvalidResponseError);
    expectNoToken(error);
    expect(String(error.body)).not.toContain(TOKEN);
  });

  it("not when the server echoes it in a response header, of an error or an unusable 2xx", async () => {
    const echo = (request: Request, status: number) =>
      new HttpResponse("<p>nope</p>", {
        status,
        headers: { "content-type": "text/html", "x-echo": `seen ${request.headers.get("authorization")}` },
      });
    mock.on("GET /my-jobs", ({ request }) => echo(request, 403));
    mock.on("PUT /presence", ({ request }) => echo(request, 200));
    for (const error of [await failure(makeWorker().inbox()), await failure(makeWorker().heartbeat())]) {
      expect(error.headers?.get("x-echo")).toBe("seen Bearer [redacted]");
      expect(error.headers?.get("content-type")).toBe("text/html");
      expectNoToken(error);
    }
  });

  it("not in a network failure", async () => {
    mock.on("GET /my-jobs", () => HttpResponse.error());
    const error = await failure(makeWorker().inbox());
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.name).toBe("ConnectionError");
    expect(error.status).toBeUndefined();
    expect(error.message).toContain("GET /my-jobs could not reach the coordinator");
    expectNoToken(error);
  });

  it("not in util.inspect of the worker, nor its JSON", () => {
    const worker = makeWorker();
    expect(inspect(worker, { showHidden: true, depth: 10 })).not.toContain(TOKEN);
    expect(inspect(worker, { showHidden: true, depth: 10, getters: true })).not.toContain(TOKEN);
    expect(JSON.stringify(worker)).not.toContain(TOKEN);
    expect(Object.values(worker).join(" ")).not.toContain(TOKEN);
  });
});

describe("class hierarchy", () => {
  it("TimeoutError is a ConnectionError; every class is a WorkerError with its own name", () => {
    const init = { method: "GET", path: "/x" };
    const classes = [
      BadRequestError,
      AuthenticationError,
      PermissionDeniedError,
      NotFoundError,
      ConflictError,
      RateLimitError,
      InternalServerError,
      ConnectionError,
      TimeoutError,
      InvalidResponseError,
    ];
    for (const Class of classes) {
      const error = new Class("m", init);
      expect(error).toBeInstanceOf(WorkerError);
      expect(error.name).toBe(Class.name);
      expect(error.attempts).toBe(1);
      expect(String(error.stack).split("\n")[0]).toBe(`${Class.name}: m`);
    }
    expect(new TimeoutError("m", init)).toBeInstanceOf(ConnectionError);
    expect(new WorkerError("m", init).name).toBe("WorkerError");
  });
});

describe("a 2xx answer that echoes the token", () => {
  it("keeps it out of the InvalidResponseError's message and body", async () => {
    const secret = "tok_echoed_in_a_success_body";
    const echo: typeof fetch = async () =>
      new Response(JSON.stringify({ jobs: "not a list", seen: `Bearer ${secret}` }), {
        headers: { "content-type": "application/json" },
      });
    const worker = new Worker({ token: secret, url: "https://coordinator.test", fetch: echo, logLevel: "silent" });
    const error = await worker.inbox().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(secret);
  });
});

describe("the guards: WorkerError.is() and each subclass's is()", () => {
  const init = { method: "GET", path: "/x" };

  it("recognise the class and its parents, and narrow the type", () => {
    const error: unknown = new NoEligibleWorkerError("m", { ...init, status: 503 });
    expect(NoEligibleWorkerError.is(error)).toBe(true);
    expect(InternalServerError.is(error)).toBe(true);
    expect(WorkerError.is(error)).toBe(true);
    expect(ConflictError.is(error)).toBe(false);
    if (InternalServerError.is(error)) expect(error.status).toBe(503);
    expect(ConnectionError.is(new TimeoutError("m", init))).toBe(true);
    expect(TimeoutError.is(new ConnectionError("m", init))).toBe(false);
  });

  it("put WaitTimeoutError in the tree", () => {
    const error = new WaitTimeoutError(7, undefined, 50, { method: "GET", path: "/api/jobs/7" });
    expect(error).toBeInstanceOf(WorkerError);
    expect(WorkerError.is(error) && WaitTimeoutError.is(error)).toBe(true);
    expect(error).toMatchObject({ name: "WaitTimeoutError", method: "GET", path: "/api/jobs/7", status: undefined });
  });

  it("are false for anything else: plain errors, look-alikes, non-objects", () => {
    for (const value of [
      new Error("x"),
      { name: "ConflictError", status: 409 },
      null,
      undefined,
      "ConflictError",
      409,
    ]) {
      expect(WorkerError.is(value)).toBe(false);
      expect(ConflictError.is(value)).toBe(false);
    }
  });

  it("cover a user's own subclass as its parent; its own is() without an errorName is instanceof", () => {
    class TakenError extends ConflictError {}
    const error = new TakenError("m", init);
    expect(ConflictError.is(error) && WorkerError.is(error)).toBe(true);
    expect(error.name).toBe("ConflictError");
    expect(TakenError.is(error)).toBe(true);
    expect(TakenError.is(new ConflictError("m", init))).toBe(false);
  });

  it("a subclass that names itself gets its own brand", () => {
    class TakenError extends ConflictError {
      static override readonly errorName: string = "TakenError";
    }
    const error = new TakenError("m", init);
    expect(error.name).toBe("TakenError");
    expect(TakenError.is(error) && ConflictError.is(error)).toBe(true);
    expect(TakenError.is(new ConflictError("m", init))).toBe(false);
  });
});
