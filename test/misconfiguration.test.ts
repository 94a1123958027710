/**
 * The usual first-hour mistakes, over real HTTP: each message names the cause
 * and the fix, quotes no markup and never the token.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  AuthenticationError,
  ConnectionError,
  InvalidResponseError,
  ModelReins,
  PermissionDeniedError,
  Worker,
} from "../src/index.js";
import { type Coordinator, createCoordinator } from "../src/testing/index.js";
import { cli } from "./cli/support.js";
import { type LogLine, recordingLogger } from "./reliability/support.js";

/** The error page of `python3 -m http.server`, which a wrong MODELREINS_URL often reaches. */
const PYTHON_404 = `<!DOCTYPE HTML>
<html lang="en">
    <head>
        <meta charset="utf-8">
        <style type="text/css">
            :root { color-scheme: light dark; }
        </style>
        <title>Error response</title>
    </head>
    <body>
        <h1>Error response</h1>
        <p>Error code: 404</p>
        <p>Message: File not found.</p>
        <p>Error code explanation: 404 - Nothing matches the given URI.</p>
    </body>
</html>
`;
const INDEX_PAGE = `<!DOCTYPE html><html><head><title>My site</title><script>var t = "${"x".repeat(500)}";</script></head><body><h1>Welcome to my site</h1>${"<p>lorem ipsum</p>".repeat(200)}</body></html>`;

const TAG = /<\/?[a-z!][^>]*>/i;

/** The message names each of `cause` and `fix`, holds no HTML tag and not the token. */
function expectClear(text: string, { cause, fix, token }: { cause: string[]; fix: string[]; token?: string }) {
  for (const part of [...cause, ...fix]) expect(text).toContain(part);
  expect(text).not.toMatch(TAG);
  if (token !== undefined) expect(text).not.toContain(token);
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error("expected the call to fail");
  return outcome;
}

let coordinator: Coordinator;
let coordinatorUrl: string;
let webServer: Server;
let webUrl: string;

beforeAll(async () => {
  coordinator = createCoordinator();
  coordinatorUrl = (await coordinator.listen({ port: 0 })).url;
  webServer = createServer((request, response) => {
    // Like a site with a form: a page for a PUT, a 404 page for anything it does not have.
    const index = request.method === "PUT";
    response.writeHead(index ? 200 : 404, { "content-type": "text/html;charset=utf-8" });
    response.end(index ? INDEX_PAGE : PYTHON_404);
  });
  await new Promise<void>((resolve) => webServer.listen(0, "127.0.0.1", resolve));
  webUrl = `http://127.0.0.1:${(webServer.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await coordinator.close();
  await new Promise((resolve) => webServer.close(resolve));
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the wrong kind of token", () => {
  it("a worker given the admin token is told it needs a worker token, and where one comes from", async () => {
    const worker = new Worker({ url: coordinatorUrl, token: coordinator.adminToken, logLevel: "silent" });
    const error = await failure(worker.inbox());
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expectClear(error.message, {
      cause: ["HTTP 403", "needs a worker token, not an admin token"],
      fix: ["MODELREINS_TOKEN", "`npx modelreins-worker register`", "view_url"],
      token: coordinator.adminToken,
    });
    expect(error.message).not.toMatch(/\ba admin\b|\.;/);
  });

  it("the admin client given a worker token is told it needs an admin token from the dashboard", async () => {
    const mr = new ModelReins({ url: coordinatorUrl, token: coordinator.workerToken, logLevel: "silent" });
    const error = await failure(mr.jobs.list());
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expectClear(error.message, {
      cause: ["HTTP 403", "needs the admin token, not a worker token"],
      fix: ["MODELREINS_ADMIN_TOKEN", "dashboard"],
      token: coordinator.workerToken,
    });
  });

  it("a refused token (401) says which variable to check and where tokens come from", async () => {
    const token = "mr_worker_not_issued_here";
    const worker = new Worker({ url: coordinatorUrl, token, logLevel: "silent" });
    const error = await failure(worker.inbox());
    expect(error).toBeInstanceOf(AuthenticationError);
    expectClear(error.message, {
      cause: ["HTTP 401", "unknown token"],
      fix: ["Check the token", "MODELREINS_TOKEN", "npx modelreins-worker register"],
      token,
    });
  });
});

describe("a refused token ends run()", () => {
  it("a worker given the admin token stops at once with the wrong-kind message, logged once at error level", async () => {
    const logger = recordingLogger();
    const worker = new Worker({ url: coordinatorUrl, token: coordinator.adminToken, name: "mixed-up", logger });
    const error = await failure(worker.run(async () => "never", { handleSignals: false }));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error.message).toContain("Put a worker token in MODELREINS_TOKEN");
    const problems = logger.lines.filter(({ level }) => level === "warn" || level === "error");
    expect(problems).toEqual([{ level: "error", message: `${error.message} Stopping the worker.` }]);
    expect(worker.status()).toMatchObject({ state: "stopped", lastFailure: error.message });
    expect(logger.text()).not.toContain(coordinator.adminToken);
  });
});

describe("a repeated failure is bounded in the log", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("nothing listening, for a minute of fake time: the cause in full once, then short lines", async () => {
    vi.useFakeTimers({ now: 0, toFake: ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    const logger = recordingLogger();
    let calls = 0;
    // What fetch does when nothing listens on the port.
    const refused: typeof fetch = async () => {
      calls++;
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      });
    };
    vi.stubEnv("MODELREINS_URL", "http://127.0.0.1:8799");
    const worker = new Worker({ token: "mr_worker_secret_6", fetch: refused, logger });
    const controller = new AbortController();
    const done = worker.run(async () => "never", { handleSignals: false, signal: controller.signal });
    await vi.advanceTimersByTimeAsync(60_000);
    const problems = logger.lines.filter(({ level }) => level === "warn" || level === "error");
    expect(calls).toBeGreaterThan(15);
    // The first heartbeat names the cause; the loop's first failure adds that it backs off; 30 s later, how long.
    expect(problems).toHaveLength(3);
    const [first, backOff, second] = problems as [LogLine, LogLine, LogLine];
    expect(problems.map(({ level }) => level)).toEqual(["error", "error", "error"]);
    expect(backOff.message).toMatch(/^GET \/my-jobs: ConnectionError \(ECONNREFUSED\); trying again in \d+ ms$/);
    expectClear(first.message, {
      cause: ["could not reach the coordinator at http://127.0.0.1:8799 (ECONNREFUSED)", "Nothing is listening there"],
      fix: ["MODELREINS_URL (http://127.0.0.1:8799)", "`npx modelreins-worker dev`"],
      token: "mr_worker_secret_6",
    });
    // status() names the same cause, for probes and dashboards.
    expect(worker.status().lastFailure).toContain("Nothing is listening there");
    expect(second.message).toMatch(
      /^\S+ \/\S+: ConnectionError \(ECONNREFUSED\) \(still failing: \d+ times in 3\d s\)$/,
    );
    controller.abort();
    await vi.advanceTimersByTimeAsync(20_000);
    await done;
  });
});

describe("a URL that is not a coordinator", () => {
  it("a web server's 404 page: one line without markup, the URL's variable, and the hint", async () => {
    vi.stubEnv("MODELREINS_URL", webUrl);
    const error = await failure(new Worker({ token: "mr_worker_secret_1", logLevel: "silent" }).inbox());
    expect(error).toBeInstanceOf(InvalidResponseError);
    expectClear(error.message, {
      cause: ["HTTP 404", "text/html", "not JSON", "Error response Error code: 404 Message: File not found."],
      fix: [`is MODELREINS_URL (${webUrl}) the coordinator, not a web page or a proxy?`, "routes option"],
      token: "mr_worker_secret_1",
    });
    expect(error.message).not.toContain("\n");
    expect(error.message).not.toContain("color-scheme");
  });

  it("a web page answered with 200: an excerpt of a few words, never the whole page or its script", async () => {
    vi.stubEnv("MODELREINS_URL", webUrl);
    const worker = new Worker({ token: "mr_worker_secret_2", logLevel: "silent" });
    const error = await failure(worker.heartbeat());
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.message.length).toBeLessThan(600);
    expectClear(error.message, {
      cause: ["PUT /presence answered HTTP 200 with text/html that is not JSON", "Welcome to my site"],
      fix: ["is MODELREINS_URL", "the coordinator"],
    });
    expect(error.message).not.toContain("xxx");
  });

  it("the CLI says it is not a coordinator and exits 1, not 4 (not found)", async () => {
    const result = await cli(["jobs", "show", "1"], {
      env: { MODELREINS_URL: webUrl, MODELREINS_ADMIN_TOKEN: "mr_admin_secret_3" },
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expectClear(result.stderr, {
      cause: ["answered HTTP 404 with text/html that is not JSON", "File not found"],
      fix: ["not a ModelReins coordinator's answer", "MODELREINS_URL"],
      token: "mr_admin_secret_3",
    });
  });
});

describe("nothing listening", () => {
  it("names the URL, the variable it came from, and the local coordinator command", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    vi.stubEnv("MODELREINS_URL", url);
    const error = await failure(new Worker({ token: "mr_worker_secret_4", maxRetries: 0, logLevel: "silent" }).inbox());
    expect(error).toBeInstanceOf(ConnectionError);
    expectClear(error.message, {
      cause: [`could not reach the coordinator at ${url} (ECONNREFUSED)`, "Nothing is listening there"],
      fix: [`MODELREINS_URL (${url})`, "`npx modelreins-worker dev`"],
      token: "mr_worker_secret_4",
    });
  });
});

describe("no token", () => {
  it("a worker is told which variable to set and where a worker token comes from", () => {
    vi.stubEnv("MODELREINS_TOKEN", "");
    expect(() => new Worker({ url: coordinatorUrl })).toThrow(TypeError);
    const message = (() => {
      try {
        new Worker({ url: coordinatorUrl });
      } catch (error) {
        return (error as Error).message;
      }
      return "";
    })();
    expectClear(message, {
      cause: ["No ModelReins token"],
      fix: ["MODELREINS_TOKEN", "npx modelreins-worker register", "view_url", "npx modelreins-worker dev"],
    });
  });

  it("the admin client and the CLI say where an admin token comes from", async () => {
    vi.stubEnv("MODELREINS_ADMIN_TOKEN", "");
    vi.stubEnv("MODELREINS_API_KEY", "");
    expect(() => new ModelReins({ url: coordinatorUrl })).toThrow(/MODELREINS_ADMIN_TOKEN.*dashboard/);
    const result = await cli(["jobs"], { env: { MODELREINS_URL: coordinatorUrl } });
    expect(result.code).toBe(3);
    expectClear(result.stderr, { cause: ["no admin token"], fix: ["MODELREINS_ADMIN_TOKEN", "dashboard"] });
  });
});

describe("a refused token ends run() with an error that prints as one paragraph", () => {
  const token = "mr_worker_revoked_5";

  function runFixture(env: Record<string, string>) {
    const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/refused-token.ts"], {
      cwd: new URL("../", import.meta.url),
      env: { ...process.env, NODE_OPTIONS: "", MODELREINS_URL: coordinatorUrl, MODELREINS_TOKEN: token, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    return new Promise<{ code: number | null; stderr: string }>((resolve) =>
      child.on("close", (code) => resolve({ code, stderr })),
    );
  }

  it("util.inspect shows the message and no dump of the call's fields", async () => {
    const worker = new Worker({ url: coordinatorUrl, token, logLevel: "silent" });
    const error = await failure(worker.run(async () => "x", { handleSignals: false }));
    expect(error).toBeInstanceOf(AuthenticationError);
    const printed = inspect(error);
    expect(printed).toContain(`AuthenticationError: ${error.message}`);
    expect(printed).not.toMatch(/Headers|status:|headers:|body:/);
    expect(printed).not.toContain("src/http/core.ts");
    expect(printed).not.toContain(token);
    // The facts are still there for code.
    expect((error as AuthenticationError).status).toBe(401);
  });

  it("unhandled, Node prints the message and the caller's line: no Headers {} dump", async () => {
    const { code, stderr } = await runFixture({});
    expect(code).toBe(1);
    expect(stderr).toMatch(/AuthenticationError: PUT \/presence failed with HTTP 401: unknown token\. Check the token/);
    expect(stderr).toContain("test/fixtures/refused-token.ts");
    expect(stderr).not.toMatch(/Headers \{|status: 401|src\/http\/core\.ts/);
    expect(stderr).not.toContain(token);
  });

  it("caught as the README shows: one line, exit code 1", async () => {
    const { code, stderr } = await runFixture({ MR_CATCH: "1" });
    expect(code).toBe(1);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expectClear(stderr, { cause: ["worker stopped:", "HTTP 401"], fix: ["MODELREINS_TOKEN"], token });
  });
});
