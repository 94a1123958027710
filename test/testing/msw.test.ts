import { createCoordinator } from "modelreins-worker/testing";
import { mswHandlers } from "modelreins-worker/testing/msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

const coordinator = createCoordinator({ url: "https://coordinator.msw.test" });
const server = setupServer(...mswHandlers(coordinator));
const auth = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => coordinator.reset());
afterAll(async () => {
  server.close();
  await coordinator.close();
});

describe("msw handlers", () => {
  it("let the global fetch reach the coordinator", async () => {
    const health = await fetch("https://coordinator.msw.test/health");
    expect(await health.json()).toEqual({ status: "ok" });

    const job = coordinator.createJob({ prompt: "x", assigned_to: "w1" });
    const claim = await fetch(`https://coordinator.msw.test/api/jobs/${job.id}/claim`, {
      method: "POST",
      headers: auth(coordinator.workerToken),
      body: JSON.stringify({ worker: "w1" }),
    });
    expect(claim.status).toBe(200);
    const inbox = await fetch("https://coordinator.msw.test/my-jobs?worker=w1&status=running", {
      headers: auth(coordinator.workerToken),
    });
    expect(((await inbox.json()) as { jobs: unknown[] }).jobs).toHaveLength(1);
    expect(coordinator.requests.map((r) => `${r.status} ${r.method} ${r.path}`)).toEqual([
      "200 GET /health",
      `200 POST /api/jobs/${job.id}/claim`,
      "200 GET /my-jobs",
    ]);
  });

  it("carry uploads and strict errors", async () => {
    const form = new FormData();
    form.append("file", new Blob(["hello"], { type: "text/plain" }), "a.txt");
    form.append("content_type", "text/plain");
    form.append("filename", "a.txt");
    const upload = await fetch("https://coordinator.msw.test/api/artifacts", {
      method: "POST",
      headers: { authorization: `Bearer ${coordinator.workerToken}` },
      body: form,
    });
    const { url } = (await upload.json()) as { url: string };
    expect(await (await fetch(`https://coordinator.msw.test${url}`)).text()).toBe("hello");

    const refused = await fetch("https://coordinator.msw.test/api/jobs", {
      method: "POST",
      headers: auth(coordinator.workerToken),
      body: JSON.stringify({ prompt: "x" }),
    });
    expect(refused.status).toBe(403);
  });

  it("turn a dropped connection into a network error", async () => {
    coordinator.faults.add({ kind: "drop-before", times: 1 });
    await expect(fetch("https://coordinator.msw.test/health")).rejects.toThrow(TypeError);
    expect((await fetch("https://coordinator.msw.test/health")).status).toBe(200);
  });

  it("leave other hosts unhandled", async () => {
    // msw reports the unhandled request on console.error: caught here, so a passing suite prints nothing.
    const report = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await expect(fetch("https://elsewhere.test/health")).rejects.toThrow();
      expect(report).toHaveBeenCalledWith(expect.stringContaining("GET https://elsewhere.test/health"));
    } finally {
      report.mockRestore();
    }
  });
});
