import { request as httpRequest } from "node:http";
import { type Coordinator, createCoordinator } from "modelreins-worker/testing";
import { afterEach, describe, expect, it } from "vitest";

describe("listen()", () => {
  let coordinator: Coordinator;
  afterEach(async () => {
    await coordinator.close();
  });

  it("serves on a free loopback port; url follows the listener", async () => {
    coordinator = createCoordinator();
    expect(coordinator.url).toBe("http://coordinator.localhost");
    const listener = await coordinator.listen({ port: 0 });
    expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(coordinator.url).toBe(listener.url);
    // Both the in-memory fetch and the real one reach it.
    expect((await coordinator.fetch(`${listener.url}/health`)).status).toBe(200);
    expect((await fetch(`${listener.url}/health`)).status).toBe(200);
    await expect(coordinator.listen()).rejects.toThrow(/already listening/);
    await listener.close();
    expect(coordinator.url).toBe("http://coordinator.localhost");
    await expect(fetch(`${listener.url}/health`)).rejects.toThrow();
  });

  it("refuses a host that is not loopback", async () => {
    coordinator = createCoordinator();
    await expect(coordinator.listen({ host: "0.0.0.0" })).rejects.toThrow(/loopback/);
  });

  it("streams a large upload in and the bytes back out", async () => {
    coordinator = createCoordinator();
    const { url } = await coordinator.listen();
    const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    const form = new FormData();
    form.append("file", new Blob([bytes], { type: "application/octet-stream" }), "blob.bin");
    form.append("content_type", "application/octet-stream");
    form.append("filename", "blob.bin");
    const res = await fetch(`${url}/api/artifacts`, {
      method: "POST",
      headers: { authorization: `Bearer ${coordinator.workerToken}` },
      body: form,
    });
    const body = (await res.json()) as { url: string; size_bytes: number };
    expect(body.size_bytes).toBe(bytes.byteLength);
    const back = new Uint8Array(await (await fetch(`${url}${body.url}`)).arrayBuffer());
    // Compare as Buffers: a deep toEqual of millions of elements is slow.
    expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
  });

  it("refuses a declared oversize body with 413 before reading it", async () => {
    coordinator = createCoordinator({ maxBodyBytes: 100 });
    const { url } = await coordinator.listen();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${url}/api/jobs`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${coordinator.adminToken}`,
          "content-type": "application/json",
          "content-length": "1000000",
        },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.write("{");
    });
    expect(status).toBe(413);
  });

  it("destroys the socket for a dropped request", async () => {
    coordinator = createCoordinator();
    const { url } = await coordinator.listen();
    coordinator.faults.add({ kind: "drop-after", route: "health", times: 1 });
    const error = await fetch(`${url}/health`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
