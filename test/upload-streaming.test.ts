/**
 * Uploads over real sockets with Node's own fetch: a file-backed Blob streams
 * from disk without being copied into memory (undici tees request bodies for
 * any redirect mode but "error": nodejs/undici#4058), and a redirected upload
 * still arrives whole at the new location.
 */
import { openAsBlob } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Worker } from "../src/index.js";
import { spyLogger, TOKEN, WORKER_NAME } from "./support/msw.js";

const MiB = 1024 * 1024;
const answer = {
  success: true,
  slug: "abc",
  url: "/s/abc",
  content_type: "application/octet-stream",
  size_bytes: 0,
  filename: "a.bin",
};

interface Seen {
  method: string;
  url: string;
  bytes: number;
  body: Buffer | undefined;
}

const servers: Server[] = [];
let dir = "";

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "mr-upload-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
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

/** A server that counts (and, with `keep`, keeps) each request's body, then calls `handle`. */
async function startServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  keep = false,
): Promise<{ origin: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.byteLength;
      if (keep) chunks.push(chunk);
    });
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        bytes,
        body: keep ? Buffer.concat(chunks) : undefined,
      });
      handle(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, seen };
}

const worker = (url: string) =>
  new Worker({ token: TOKEN, url, name: WORKER_NAME, maxRetries: 0, logger: spyLogger() });

describe("uploads over real sockets", () => {
  it("a large file-backed Blob streams: the process does not hold a copy of it", async () => {
    // Large enough that a copy stands out from the server's not-yet-collected garbage on every Node version.
    const size = 256 * MiB;
    const path = join(dir, "big.bin");
    const handle = await open(path, "w");
    await handle.truncate(size); // sparse
    await handle.close();
    const { origin, seen } = await startServer((_req, res) => {
      res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
    const blob = await openAsBlob(path, { type: "application/octet-stream" });
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 2);
    try {
      await worker(origin).uploadArtifact(blob, "application/octet-stream");
    } finally {
      clearInterval(sampler);
    }
    expect(seen[0]?.bytes).toBeGreaterThan(size);
    // Buffered, it would be all 256 MiB; streamed, chunks in flight and garbage not yet collected (the server is in this process too).
    expect(peak - before).toBeLessThan(size / 2);
  });

  it("a 307 on an upload is followed: the whole file arrives at the new location", async () => {
    const path = join(dir, "small.bin");
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 31 + 7) % 256);
    await writeFile(path, bytes);
    const { origin, seen } = await startServer((req, res) => {
      if (req.url === "/api/artifacts") res.writeHead(307, { location: "/v2/api/artifacts" }).end();
      else res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify(answer));
    }, true);
    const blob = await openAsBlob(path, { type: "application/octet-stream" });
    await expect(
      worker(origin).uploadArtifact(blob, "application/octet-stream", { filename: "a.bin" }),
    ).resolves.toEqual(answer);
    const final = seen.filter((s) => s.url === "/v2/api/artifacts");
    expect(final).toHaveLength(1);
    expect(final[0]?.method).toBe("POST");
    const body = final[0]?.body as Buffer;
    expect(body.indexOf(Buffer.from(bytes))).toBeGreaterThan(0);
  });

  it("a 303 on an upload turns into a GET without the body", async () => {
    const { origin, seen } = await startServer((req, res) => {
      if (req.url === "/api/artifacts") res.writeHead(303, { location: "/s/abc/info" }).end();
      else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
    await expect(worker(origin).uploadArtifact(Buffer.from("hello"), "text/plain")).resolves.toEqual(answer);
    expect(seen.map((s) => [s.method, s.url])).toContainEqual(["GET", "/s/abc/info"]);
    expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/s/abc/info", bytes: 0 });
  });
});
