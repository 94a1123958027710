/**
 * `ModelReins`: construction (token and URL from options and env), secrecy of
 * the token, `health()` and `dispatch()` with its 503 mapping.
 */
import { inspect } from "node:util";
import { describe, expect, it, vi } from "vitest";
import {
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  ModelReins,
  NoEligibleWorkerError,
  WorkerError,
} from "../../src/index.js";
import { BASE, client, job, setupMockCoordinator, status, TOKEN } from "./support.js";

const mock = setupMockCoordinator();

function clearTokenEnv() {
  vi.stubEnv("MODELREINS_ADMIN_TOKEN", "");
  vi.stubEnv("MODELREINS_API_KEY", "");
  vi.stubEnv("MODELREINS_TOKEN", "");
}

describe("construction", () => {
  it("takes the token from MODELREINS_ADMIN_TOKEN first, then MODELREINS_API_KEY", async () => {
    mock.on("GET /api/workers", () => []);
    clearTokenEnv();
    vi.stubEnv("MODELREINS_ADMIN_TOKEN", "from-admin-token");
    vi.stubEnv("MODELREINS_API_KEY", "from-api-key");
    await new ModelReins({ url: BASE }).workers.list();
    vi.stubEnv("MODELREINS_ADMIN_TOKEN", "");
    await new ModelReins({ url: BASE }).workers.list();
    await new ModelReins({ url: BASE, token: "from-option" }).workers.list();
    expect(mock.seen.map((s) => s.headers.authorization)).toEqual([
      "Bearer from-admin-token",
      "Bearer from-api-key",
      "Bearer from-option",
    ]);
  });

  it("throws a TypeError naming both env vars when no token is found (a worker token does not count)", () => {
    clearTokenEnv();
    vi.stubEnv("MODELREINS_TOKEN", "a-worker-token");
    expect(() => new ModelReins({ url: BASE })).toThrow(TypeError);
    expect(() => new ModelReins({ url: BASE })).toThrow(
      "No ModelReins token: pass the token option or set MODELREINS_ADMIN_TOKEN or MODELREINS_API_KEY.",
    );
  });

  it("takes the URL from MODELREINS_URL, else the hosted coordinator, without trailing slashes", () => {
    vi.stubEnv("MODELREINS_URL", "https://coordinator.example//");
    expect(new ModelReins({ token: TOKEN }).url).toBe("https://coordinator.example");
    expect(new ModelReins({ token: TOKEN, url: `${BASE}/` }).url).toBe(BASE);
    vi.stubEnv("MODELREINS_URL", undefined);
    expect(new ModelReins({ token: TOKEN }).url).toBe("https://app.modelreins.com");
  });

  it("refuses bad options with a TypeError", () => {
    expect(() => new ModelReins({ token: TOKEN, url: "ftp://x" })).toThrow(TypeError);
    expect(() => new ModelReins({ token: TOKEN, url: BASE, maxRetries: -1 })).toThrow(TypeError);
    expect(() => new ModelReins({ token: TOKEN, url: BASE, routes: { dispatch: "dispatch" } })).toThrow(TypeError);
  });

  it("never shows the token: not in util.inspect, errors or logs", async () => {
    const { mr, logger } = client();
    expect(inspect(mr, { showHidden: true, depth: 10 })).not.toContain(TOKEN);
    expect(JSON.stringify(mr)).not.toContain(TOKEN);
    mock.on("GET /api/jobs/:id", (_, n) =>
      n === 1 ? status(502, { error: `bad token ${TOKEN}` }) : status(401, { error: `token ${TOKEN} refused` }),
    );
    const error = await mr.jobs.get(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    const err = error as AuthenticationError;
    expect(err.message).toContain("MODELREINS_ADMIN_TOKEN");
    expect(`${err.message} ${err.stack} ${JSON.stringify(err.body)} ${inspect(err, { depth: 10 })}`).not.toContain(
      TOKEN,
    );
    const logged = Object.values(logger).flatMap((fn) => fn.mock.calls.flat().map(String));
    expect(logged.length).toBeGreaterThan(0); // the retry after the 502 was logged
    expect(logged.join("\n")).not.toContain(TOKEN);
  });
});

describe("health()", () => {
  it("sends GET /health without a token", async () => {
    mock.on("GET /health", () => ({ status: "ok" }));
    const { mr } = client();
    expect(await mr.health()).toEqual({ status: "ok" });
    expect(mock.seen).toHaveLength(1);
    expect(mock.seen[0]).toMatchObject({ method: "GET", path: "/health", search: "", text: "" });
    expect(mock.seen[0]?.headers.authorization).toBeUndefined();
  });

  it("reads an empty body as {}", async () => {
    mock.on("GET /health", () => new Response(null, { status: 200 }));
    expect(await client().mr.health()).toEqual({});
  });
});

describe("dispatch()", () => {
  const input = {
    prompt: "Summarise the report",
    input: { url: "https://example.com/r.pdf" },
    provider: "anthropic",
    model: "claude",
    priority: "high",
    tier: "audit",
    tags: ["reports", "q3"],
    assigned_to: "bot-1",
  } as const;

  it("sends POST /dispatch with the job as JSON and returns the assigned job", async () => {
    mock.on("POST /dispatch", (seen) => job(9, { ...(seen.json as object), status: "pending" }));
    const { mr } = client();
    const result = await mr.dispatch(input);
    expect(result).toMatchObject({ id: 9, assigned_to: "bot-1", prompt: "Summarise the report" });
    const [seen] = mock.seen;
    expect(seen).toMatchObject({ method: "POST", path: "/dispatch", search: "" });
    expect(seen?.json).toEqual(input);
    expect(seen?.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/json",
      accept: "application/json",
    });
    expect(seen?.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("leaves out fields not given and accepts a { job } answer", async () => {
    mock.on("POST /dispatch", () => ({ job: job(3, { assigned_to: "bot-2" }) }));
    const result = await client().mr.dispatch({ prompt: "p", model: undefined });
    expect(mock.seen[0]?.json).toEqual({ prompt: "p" });
    expect(result).toMatchObject({ id: 3, assigned_to: "bot-2" });
  });

  it("throws NoEligibleWorkerError on 503, at once, without retrying", async () => {
    mock.on("POST /dispatch", () => status(503, { error: "no eligible worker" }));
    const { mr, logger } = client();
    const error = await mr.dispatch({ prompt: "p" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoEligibleWorkerError);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).toMatchObject({
      name: "NoEligibleWorkerError",
      status: 503,
      method: "POST",
      path: "/dispatch",
      attempts: 1,
      body: { error: "no eligible worker" },
    });
    expect((error as Error).message).toBe("POST /dispatch failed with HTTP 503: no eligible worker");
    expect(mock.seen).toHaveLength(1);
    expect(logger.debug).not.toHaveBeenCalled();
  });

  it("still retries other 5xx answers of dispatch, with the same idempotency key", async () => {
    mock.on("POST /dispatch", (_, n) => (n < 3 ? status(502) : job(4, { assigned_to: "bot-1" })));
    const result = await client().mr.dispatch({ prompt: "p" });
    expect(result.id).toBe(4);
    expect(mock.seen).toHaveLength(3);
    expect(new Set(mock.seen.map((s) => s.headers["idempotency-key"])).size).toBe(1);
  });

  it("gives up on repeated 502 with InternalServerError, not NoEligibleWorkerError", async () => {
    mock.on("POST /dispatch", () => status(502));
    const error = await client({ maxRetries: 1 })
      .mr.dispatch({ prompt: "p" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).not.toBeInstanceOf(NoEligibleWorkerError);
    expect(error).toMatchObject({ status: 502, attempts: 2 });
  });

  it("keeps 503 a retried InternalServerError on other routes", async () => {
    mock.on("POST /api/jobs", (_, n) => (n === 1 ? status(503) : job(1)));
    expect((await client().mr.jobs.create({ prompt: "p" })).id).toBe(1);
    expect(mock.seen).toHaveLength(2);
    mock.on("POST /api/jobs", () => status(503));
    const error = await client({ maxRetries: 0 })
      .mr.jobs.create({ prompt: "p" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).not.toBeInstanceOf(NoEligibleWorkerError);
  });

  it("maps 503 by route name, so a corrected dispatch route keeps it", async () => {
    mock.on("POST /api/v2/dispatch", () => status(503));
    const { mr } = client({ routes: { dispatch: "POST /api/v2/dispatch" } });
    await expect(mr.dispatch({ prompt: "p" })).rejects.toBeInstanceOf(NoEligibleWorkerError);
    expect(mock.seen.map((s) => s.path)).toEqual(["/api/v2/dispatch"]);
  });

  it("passes other answers through as their error classes", async () => {
    mock.on("POST /dispatch", () => status(400, { error: '"priority" must be one of low, normal, high' }));
    await expect(client().mr.dispatch({ prompt: "p" })).rejects.toBeInstanceOf(BadRequestError);
  });

  it("checks the job before sending anything", async () => {
    const { mr } = client();
    await expect(mr.dispatch({} as never)).rejects.toThrow("dispatch: prompt must be a non-empty string; got nothing.");
    await expect(mr.dispatch({ prompt: 42 } as never)).rejects.toThrow(TypeError);
    await expect(mr.dispatch({ prompt: "p", priority: "urgent" } as never)).rejects.toThrow(
      'dispatch: priority must be one of low, normal, high; got the string "urgent".',
    );
    await expect(mr.dispatch({ prompt: "p", tags: "a,b" } as never)).rejects.toThrow(
      "dispatch: tags must be an array of strings",
    );
    await expect(mr.dispatch({ prompt: "p", assigned_to: "" })).rejects.toThrow(TypeError);
    await expect(mr.dispatch(null as never)).rejects.toThrow(TypeError);
    expect(mock.seen).toHaveLength(0);
  });
});

describe("per-call options", () => {
  it("honour signal and maxRetries", async () => {
    mock.on("GET /api/jobs/:id", () => status(502));
    const { mr } = client();
    await expect(mr.jobs.get(1, { signal: AbortSignal.abort(new Error("stop")) })).rejects.toThrow("stop");
    expect(mock.seen).toHaveLength(0);
    await expect(mr.jobs.get(1, { maxRetries: 0 })).rejects.toMatchObject({ status: 502, attempts: 1 });
    expect(mock.seen).toHaveLength(1);
  });

  it("refuse anything but signal, timeoutMs and maxRetries, so nothing else reaches the request", async () => {
    mock.on("GET /health", () => ({ status: "ok" }));
    const { mr } = client();
    for (const key of ["auth", "query", "errorMap", "form", "json", "params"]) {
      await expect(mr.health({ [key]: {} } as never)).rejects.toThrow(
        new TypeError(`unknown option \`${key}\` in the options of health() (known: signal, timeoutMs, maxRetries).`),
      );
    }
    await expect(mr.jobs.get(1, { timeoutMS: 5 } as never)).rejects.toThrow(
      "unknown option `timeoutMS` in the options of jobs.get(); did you mean `timeoutMs`?",
    );
    await expect(mr.health({ timeoutMs: "5" } as never)).rejects.toThrow(
      'health(): timeoutMs must be a number of milliseconds; got the string "5".',
    );
    await expect(mr.health({ signal: true } as never)).rejects.toThrow(
      "health(): signal must be an AbortSignal; got the boolean true.",
    );
    expect(mock.seen).toHaveLength(0);
  });
});
