import { hostname } from "node:os";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_URL, Worker } from "../src/index.js";
import { BASE, json, setupMockServer, spyLogger, TOKEN } from "./support/msw.js";

const mock = setupMockServer();

beforeEach(() => {
  // Whatever the shell running the tests has set must not leak in.
  vi.stubEnv("MODELREINS_TOKEN", undefined);
  vi.stubEnv("MODELREINS_URL", undefined);
  vi.stubEnv("MODELREINS_LOG_LEVEL", undefined);
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Calls the constructor and returns its TypeError. */
function constructionError(options: ConstructorParameters<typeof Worker>[0]): TypeError {
  try {
    new Worker(options);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return error as TypeError;
  }
  throw new Error("expected the constructor to throw");
}

describe("token", () => {
  it("missing → TypeError naming MODELREINS_TOKEN", () => {
    const error = constructionError({ url: BASE, logger: spyLogger() });
    expect(error.message).toContain("MODELREINS_TOKEN");
    expect(error.message).toContain("token option");
  });

  it("an empty MODELREINS_TOKEN counts as missing", () => {
    vi.stubEnv("MODELREINS_TOKEN", "");
    expect(constructionError({ url: BASE, logger: spyLogger() }).message).toContain("MODELREINS_TOKEN");
  });

  it("an empty token option counts as missing", () => {
    expect(constructionError({ token: "", url: BASE, logger: spyLogger() }).message).toContain("MODELREINS_TOKEN");
  });

  it("falls back to MODELREINS_TOKEN, and sends it as a bearer token", async () => {
    vi.stubEnv("MODELREINS_TOKEN", "env-token-1234");
    mock.on("PUT /presence", () => json({}));
    await new Worker({ url: BASE, name: "w", logger: spyLogger() }).heartbeat();
    expect(mock.requests[0]?.headers.authorization).toBe("Bearer env-token-1234");
  });

  it("the token option wins over MODELREINS_TOKEN", async () => {
    vi.stubEnv("MODELREINS_TOKEN", "env-token-1234");
    mock.on("PUT /presence", () => json({}));
    await new Worker({ token: TOKEN, url: BASE, name: "w", logger: spyLogger() }).heartbeat();
    expect(mock.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("a token with spaces or line breaks is refused without showing it", () => {
    for (const bad of ["secret value here", "secret\nInjected: 1", " padded-secret "]) {
      const error = constructionError({ token: bad, url: BASE, logger: spyLogger() });
      expect(error.message).toContain("no spaces or line breaks");
      expect(error.message).not.toContain("secret");
    }
  });

  it("a token that is not a string is refused", () => {
    const error = constructionError({ token: 12345 as unknown as string, url: BASE, logger: spyLogger() });
    expect(error.message).not.toContain("12345");
  });
});

describe("url", () => {
  it("defaults to https://app.modelreins.com", async () => {
    expect(DEFAULT_URL).toBe("https://app.modelreins.com");
    const worker = new Worker({ token: TOKEN, name: "w", logger: spyLogger() });
    expect(worker.url).toBe("https://app.modelreins.com");
    mock.on("PUT /presence", () => json({ ok: true }), "https://app.modelreins.com");
    await expect(worker.heartbeat()).resolves.toEqual({ ok: true });
    expect(mock.requests).toHaveLength(1);
  });

  it("falls back to MODELREINS_URL", async () => {
    vi.stubEnv("MODELREINS_URL", "https://env-coordinator.test/");
    const worker = new Worker({ token: TOKEN, name: "w", logger: spyLogger() });
    expect(worker.url).toBe("https://env-coordinator.test");
    mock.on("GET /my-jobs", () => json([]), "https://env-coordinator.test");
    await expect(worker.inbox()).resolves.toEqual([]);
  });

  it("an empty MODELREINS_URL counts as unset, as an empty MODELREINS_TOKEN does", () => {
    vi.stubEnv("MODELREINS_URL", "");
    expect(new Worker({ token: TOKEN, logger: spyLogger() }).url).toBe(DEFAULT_URL);
  });

  it("the url option wins over MODELREINS_URL", () => {
    vi.stubEnv("MODELREINS_URL", "https://env-coordinator.test");
    expect(new Worker({ token: TOKEN, url: BASE, logger: spyLogger() }).url).toBe(BASE);
  });

  it("strips trailing slashes, so paths are not doubled", async () => {
    const worker = new Worker({ token: TOKEN, url: `${BASE}///`, name: "w", logger: spyLogger() });
    expect(worker.url).toBe(BASE);
    mock.on("PUT /presence", () => json({}));
    await worker.heartbeat();
    expect(mock.requests[0]?.path).toBe("/presence");
  });

  it("keeps a path prefix of a self-hosted coordinator", async () => {
    const worker = new Worker({ token: TOKEN, url: `${BASE}/modelreins/`, name: "w", logger: spyLogger() });
    expect(worker.url).toBe(`${BASE}/modelreins`);
    mock.on("POST /modelreins/api/jobs/:id/claim", () => json({ id: 3, prompt: "p", status: "running" }));
    await worker.claim(3);
    expect(mock.requests[0]?.path).toBe("/modelreins/api/jobs/3/claim");
  });

  it.each([
    ["not a url", /absolute http\(s\) URL/],
    ["coordinator.test", /absolute http\(s\) URL/],
    ["ftp://coordinator.test", /must use http or https; got ftp/],
    ["https://user:pw@coordinator.test", /must not carry a user name or password/],
    ["https://coordinator.test/?x=1", /query string or fragment/],
    ["https://coordinator.test/#top", /query string or fragment/],
  ])("refuses %j with a clear TypeError", (url, message) => {
    const error = constructionError({ token: TOKEN, url, logger: spyLogger() });
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(TOKEN);
  });

  it("an invalid MODELREINS_URL is named in the message", () => {
    vi.stubEnv("MODELREINS_URL", "nonsense");
    const error = constructionError({ token: TOKEN, logger: spyLogger() });
    expect(error.message).toContain("MODELREINS_URL");
    expect(error.message).toContain('"nonsense"');
  });

  it("plain http to another host logs one warning", () => {
    const logger = spyLogger();
    new Worker({ token: TOKEN, url: "http://coordinator.example.com:8080", logger });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]?.[0]).toContain("http://coordinator.example.com:8080");
    expect(logger.warn.mock.calls[0]?.[0]).toContain("unencrypted");
    expect(logger.warn.mock.calls[0]?.[0]).not.toContain(TOKEN);
  });

  it.each([
    "http://localhost:8080",
    "http://127.0.0.1:3000",
    "http://[::1]:3000",
    "http://app.localhost",
    "https://coordinator.example.com",
  ])("no warning for %s", (url) => {
    const logger = spyLogger();
    new Worker({ token: TOKEN, url, logger });
    expect(logger.warn).not.toHaveBeenCalled();
  });
});

describe("name", () => {
  it("defaults to <hostname>-<pid>", () => {
    const worker = new Worker({ token: TOKEN, url: BASE, logger: spyLogger() });
    expect(worker.name).toBe(`${hostname()}-${process.pid}`);
  });

  it("is sent as given", async () => {
    mock.on("GET /my-jobs", () => json([]));
    await new Worker({ token: TOKEN, url: BASE, name: "gpu box #1", logger: spyLogger() }).inbox();
    expect(mock.requests[0]?.query.worker).toBe("gpu box #1");
  });

  it.each(["", "   "])("an empty name %j is refused", (name) => {
    expect(constructionError({ token: TOKEN, url: BASE, name, logger: spyLogger() }).message).toContain("name");
  });
});

describe("numbers and tags", () => {
  it.each([
    ["timeoutMs", 0],
    ["timeoutMs", -5],
    ["timeoutMs", Number.NaN],
    ["timeoutMs", Number.POSITIVE_INFINITY],
    ["timeoutMs", "1000"],
    ["pollIntervalMs", 0],
    ["pollIntervalMs", -1],
    ["heartbeatIntervalMs", Number.NaN],
    ["heartbeatIntervalMs", 0],
    ["shutdownGraceMs", -1],
    ["maxRetries", -1],
    ["maxRetries", 1.5],
    ["maxRetries", Number.NaN],
    ["concurrency", 0],
    ["concurrency", 2.5],
    ["concurrency", -3],
  ] as const)("%s: %j → TypeError naming the option", (option, value) => {
    const error = constructionError({ token: TOKEN, url: BASE, logger: spyLogger(), [option]: value });
    expect(error.message).toContain(option);
    expect(error.message).toContain(String(value));
    expect(error.message).not.toContain(TOKEN);
  });

  it.each(["timeoutMs", "pollIntervalMs", "heartbeatIntervalMs", "shutdownGraceMs"] as const)(
    "%s above what a timer can hold is a TypeError, not a 1 ms timer",
    (option) => {
      const error = constructionError({ token: TOKEN, url: BASE, logger: spyLogger(), [option]: 2 ** 31 });
      expect(error.message).toContain(option);
      expect(error.message).toContain("2147483647");
      expect(() => new Worker({ token: TOKEN, url: BASE, logger: spyLogger(), [option]: 2 ** 31 - 1 })).not.toThrow();
    },
  );

  it("maxRetries 0 is allowed", () => {
    expect(() => new Worker({ token: TOKEN, url: BASE, maxRetries: 0, logger: spyLogger() })).not.toThrow();
  });

  it.each([[["a,b"]], [[""]], [[1]], ["gpu"], [[null]]])("tags %j → TypeError", (tags) => {
    const error = constructionError({
      token: TOKEN,
      url: BASE,
      logger: spyLogger(),
      tags: tags as unknown as string[],
    });
    expect(error.message).toContain("tags must be an array of non-empty strings without commas");
    expect(error.message).not.toContain(TOKEN);
  });

  it("a fetch that is not a function is refused", () => {
    const error = constructionError({
      token: TOKEN,
      url: BASE,
      logger: spyLogger(),
      fetch: "nope" as unknown as typeof fetch,
    });
    expect(error.message).toContain("fetch");
  });
});

describe("fetch and logging", () => {
  it("uses the fetch option instead of the global fetch", async () => {
    const calls: Array<[string, RequestInit | undefined]> = [];
    const fakeFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      calls.push([String(input), init]);
      return new Response('{"ok": true}', { headers: { "content-type": "application/json" } });
    };
    const worker = new Worker({ token: TOKEN, url: BASE, name: "w", fetch: fakeFetch, logger: spyLogger() });
    await expect(worker.heartbeat()).resolves.toEqual({ ok: true });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.[0]).toBe(`${BASE}/presence`);
    expect(calls[0]?.[1]?.method).toBe("PUT");
    expect(mock.requests).toHaveLength(0);
  });

  it("an invalid MODELREINS_LOG_LEVEL is refused", () => {
    vi.stubEnv("MODELREINS_LOG_LEVEL", "loud");
    const error = constructionError({ token: TOKEN, url: BASE });
    expect(error.message).toContain("MODELREINS_LOG_LEVEL");
  });

  it("logLevel silent writes nothing to the console", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    const worker = new Worker({ token: TOKEN, url: "http://coordinator.example.com", logLevel: "silent" });
    worker.logger.error("x");
    expect(warn).not.toHaveBeenCalled();
    expect(err).not.toHaveBeenCalled();
  });

  it("the default logger writes prefixed lines to stderr at info and above", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    const worker = new Worker({ token: TOKEN, url: BASE, logLevel: "info" });
    worker.logger.debug("hidden");
    worker.logger.info("shown");
    worker.logger.warn("careful");
    expect(err).toHaveBeenCalledTimes(1);
    expect(err).toHaveBeenCalledWith("[modelreins-worker] shown");
    expect(warn).toHaveBeenCalledWith("[modelreins-worker] careful");
  });
});

describe("option checks found in review", () => {
  it("refuses a token with control characters without quoting it", () => {
    const secret = "sec\u0000ret-token-value";
    let error: unknown;
    try {
      new Worker({ token: secret, url: BASE });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/printable ASCII/);
    expect((error as Error).message).not.toContain("ret-token");
  });

  it("refuses a mistyped logLevel instead of silencing the logs", () => {
    expect(() => new Worker({ token: TOKEN, url: BASE, logLevel: "verbose" as never })).toThrow(
      /logLevel must be one of debug, info, warn, error, silent; got "verbose"/,
    );
  });
});
