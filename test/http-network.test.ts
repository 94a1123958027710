/**
 * The HTTP core against real sockets (no msw): refused connections, stalled
 * answers, and redirects with Node's own fetch between two local origins.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConnectionError, InvalidResponseError, TimeoutError, Worker, WorkerError } from "../src/index.js";
import { spyLogger, TOKEN, WORKER_NAME } from "./support/msw.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

const servers: Server[] = [];

async function startServer(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<{ origin: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handle(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, seen, server };
}

/** A port that was free a moment ago and has nothing listening on it now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

function expectNoToken(error: unknown) {
  const e = error as Error;
  expect(e.message).not.toContain(TOKEN);
  expect(String(e.stack)).not.toContain(TOKEN);
  expect(inspect(e, { depth: 10, showHidden: true })).not.toContain(TOKEN);
}

describe("no answer", () => {
  it("a refused connection is a ConnectionError, retried maxRetries times", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const port = await closedPort();
    const worker = new Worker({
      token: TOKEN,
      url: `http://127.0.0.1:${port}`,
      name: WORKER_NAME,
      logger: spyLogger(),
    });
    const error = (await worker.inbox().catch((e: unknown) => e)) as WorkerError;
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).not.toBeInstanceOf(TimeoutError);
    expect(error.name).toBe("ConnectionError");
    expect(error.status).toBeUndefined();
    expect(error.method).toBe("GET");
    expect(error.path).toBe("/my-jobs");
    expect(error.attempts).toBe(3);
    expect(error.message).toContain("ECONNREFUSED");
    expect(error.message).toContain(`http://127.0.0.1:${port}`);
    expect(error.cause).toBeDefined();
    expectNoToken(error);
  });

  it("a stalled answer is a TimeoutError after timeoutMs", async () => {
    const { origin, seen } = await startServer(() => {
      /* never answers */
    });
    const worker = new Worker({
      token: TOKEN,
      url: origin,
      name: WORKER_NAME,
      timeoutMs: 50,
      maxRetries: 0,
      logger: spyLogger(),
    });
    const error = (await worker.heartbeat().catch((e: unknown) => e)) as WorkerError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.name).toBe("TimeoutError");
    expect(error.message).toBe("PUT /presence got no answer within 50 ms");
    expect(error.attempts).toBe(1);
    // Under load the request may not even have reached the server within 50 ms; it never got more than one.
    expect(seen.length).toBeLessThanOrEqual(1);
    expectNoToken(error);
  });

  it("a timeout is retried, and a per-request timeoutMs/maxRetries overrides the worker's", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const { origin, seen } = await startServer(() => {
      /* never answers */
    });
    const worker = new Worker({ token: TOKEN, url: origin, name: WORKER_NAME, timeoutMs: 30_000, logger: spyLogger() });
    const error = (await worker
      .inbox("pending", { timeoutMs: 40, maxRetries: 1 })
      .catch((e: unknown) => e)) as WorkerError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.message).toContain("40 ms");
    expect(error.attempts).toBe(2);
    expect(seen.length).toBeLessThanOrEqual(2);
  });

  it("a body that stalls half-way is a TimeoutError too", async () => {
    const { origin } = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"jobs": [');
    });
    const worker = new Worker({
      token: TOKEN,
      url: origin,
      name: WORKER_NAME,
      timeoutMs: 80,
      maxRetries: 0,
      logger: spyLogger(),
    });
    await expect(worker.inbox()).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe("redirects", () => {
  it("a same-origin redirect keeps the token", async () => {
    const { origin, seen } = await startServer((req, res) => {
      if (req.url?.startsWith("/my-jobs")) {
        res.writeHead(307, { location: "/v2/my-jobs?worker=x&status=pending" }).end();
      } else {
        res.writeHead(200, { "content-type": "application/json" }).end("[]");
      }
    });
    const worker = new Worker({ token: TOKEN, url: origin, name: WORKER_NAME, logger: spyLogger() });
    await expect(worker.inbox()).resolves.toEqual([]);
    expect(seen.map((s) => s.url)).toEqual([
      `/my-jobs?worker=${WORKER_NAME}&status=pending`,
      "/v2/my-jobs?worker=x&status=pending",
    ]);
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[1]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("a cross-origin redirect drops the Authorization header", async () => {
    const other = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok": true}');
    });
    const home = await startServer((_req, res) => {
      res.writeHead(307, { location: `${other.origin}/presence` }).end();
    });
    const worker = new Worker({ token: TOKEN, url: home.origin, name: WORKER_NAME, logger: spyLogger() });
    await expect(worker.heartbeat("idle")).resolves.toEqual({ ok: true });
    expect(home.seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(other.seen).toHaveLength(1);
    expect(other.seen[0]?.headers.authorization).toBeUndefined();
    expect(JSON.stringify(other.seen[0]?.headers)).not.toContain(TOKEN);
    // 307 keeps the method and the body.
    expect(other.seen[0]?.method).toBe("PUT");
    expect(JSON.parse(other.seen[0]?.body ?? "null")).toEqual({ instance: WORKER_NAME, status: "idle", tags: "" });
  });

  it("home → foreign → home: the token goes to the home origin both times, never to the foreign one", async () => {
    let homeOrigin = "";
    const other = await startServer((_req, res) => {
      res.writeHead(302, { location: `${homeOrigin}/final` }).end();
    });
    const home = await startServer((req, res) => {
      if (req.url === "/final") res.writeHead(200, { "content-type": "application/json" }).end("{}");
      else res.writeHead(302, { location: `${other.origin}/hop` }).end();
    });
    homeOrigin = home.origin;
    const worker = new Worker({ token: TOKEN, url: home.origin, name: WORKER_NAME, logger: spyLogger() });
    await worker.heartbeat();
    expect(other.seen[0]?.headers.authorization).toBeUndefined();
    expect(home.seen.map((s) => s.url)).toEqual(["/presence", "/final"]);
    expect(home.seen.map((s) => s.headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });

  it("303 after a POST turns into a GET without the body", async () => {
    const { origin, seen } = await startServer((req, res) => {
      if (req.url === "/api/jobs/5/complete") res.writeHead(303, { location: "/api/jobs/5" }).end();
      else res.writeHead(200, { "content-type": "application/json" }).end('{"id": 5}');
    });
    const worker = new Worker({ token: TOKEN, url: origin, name: WORKER_NAME, logger: spyLogger() });
    await expect(worker.complete(5, "ok")).resolves.toEqual({ id: 5 });
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ["POST", "/api/jobs/5/complete", JSON.stringify({ worker: WORKER_NAME, status: "done", result: "ok" })],
      ["GET", "/api/jobs/5", ""],
    ]);
  });

  it("more than 5 redirects is an InvalidResponseError", async () => {
    const { origin, seen } = await startServer((_req, res) => {
      res.writeHead(302, { location: "/presence" }).end();
    });
    const worker = new Worker({ token: TOKEN, url: origin, name: WORKER_NAME, logger: spyLogger() });
    const error = await worker.heartbeat().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toContain("redirected more than 5 times");
    expect(seen).toHaveLength(6);
  });
});
