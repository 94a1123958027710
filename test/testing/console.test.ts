// The web console's server side over real HTTP: page, secret, Host check, actions, event stream. The page itself is tested in Chromium (test/browser).
import { request as httpRequest } from "node:http";
import { gzipSync } from "node:zlib";
import { type Coordinator, createCoordinator, type Listener } from "modelreins-worker/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

let coordinator: Coordinator;
let listener: Listener;
let secret: string;

beforeEach(async () => {
  coordinator = createCoordinator();
  listener = await coordinator.listen();
  const page = await (await fetch(`${listener.url}/`)).text();
  secret = /<meta name="console-secret" content="([^"]+)">/.exec(page)?.[1] ?? "";
});

afterEach(async () => {
  await coordinator.close();
});

function call(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${listener.url}/_console/api/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "x-console-secret": secret, "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

function rawGet(path: string, host: string | undefined): Promise<{ status: number; body: string }> {
  const url = new URL(listener.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, setHost: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    if (host !== undefined) req.setHeader("host", host);
    req.on("error", reject);
    req.end();
  });
}

describe("the console page", () => {
  it("is served at / with a strict content security policy, a fresh secret and no token", async () => {
    const res = await fetch(`${listener.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const html = await res.text();
    expect(secret).toMatch(/^[\w-]{32}$/);
    expect(html).not.toContain(coordinator.workerToken);
    expect(html).not.toContain(coordinator.adminToken);
    const other = createCoordinator();
    const otherListener = await other.listen();
    const otherPage = await (await fetch(`${otherListener.url}/`)).text();
    expect(otherPage).not.toContain(secret);
    await other.close();
  });

  it("serves its script and style sheet, and answers unknown console paths with a 404 that says where the console is", async () => {
    const script = await fetch(`${listener.url}/_console/app.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await script.text()).not.toContain("innerHTML");
    expect((await fetch(`${listener.url}/_console/app.css`)).status).toBe(200);
    const missing = await fetch(`${listener.url}/_console/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "the console has no page /_console/nope; open / for the console." });
    expect((await fetch(`${listener.url}/`, { method: "POST" })).status).toBe(405);
  });

  it("stays light: page, script and style under 40 kB together (the README says about 33 kB, 10 kB gzipped)", async () => {
    const parts = await Promise.all(
      ["/", "/_console/app.js", "/_console/app.css"].map(async (path) =>
        (await fetch(`${listener.url}${path}`)).text(),
      ),
    );
    const all = parts.join("");
    expect(Buffer.byteLength(all)).toBeLessThan(40_000);
    expect(gzipSync(all).length).toBeLessThan(12_000);
  });

  it("keeps its own requests out of the coordinator's request log", async () => {
    await call("state");
    expect(coordinator.requests).toEqual([]);
  });
});

describe("the Host check", () => {
  it("refuses a foreign Host (DNS rebinding) and a missing one for the console and the API", async () => {
    const port = new URL(listener.url).port;
    for (const path of ["/", "/health", "/_console/app.js"]) {
      const refused = await rawGet(path, `rebind.attacker.example:${port}`);
      expect(refused.status).toBe(421);
      expect(JSON.parse(refused.body).error).toContain(`127.0.0.1:${port} or localhost:${port}`);
    }
    // node:http itself refuses an HTTP/1.1 request without a Host.
    expect((await rawGet("/health", undefined)).status).toBe(400);
    expect((await rawGet("/health", `localhost:${port}`)).status).toBe(200);
    expect((await rawGet("/health", `LOCALHOST:${port}`)).status).toBe(200);
    expect((await rawGet("/health", "127.0.0.1:1")).status).toBe(421);
  });
});

describe("console calls", () => {
  it("are refused without the secret, with a wrong one, or from another origin", async () => {
    const job = coordinator.createJob({ prompt: "p", assigned_to: "w" });
    for (const headers of [{ "x-console-secret": "" }, { "x-console-secret": `${secret}x` }]) {
      const res = await call(`jobs/${job.id}/cancel`, {}, headers);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe(
        `console calls need the "x-console-secret" header that the console page carries; open the console at ${listener.url}/ instead of calling /_console/api/jobs/${job.id}/cancel directly.`,
      );
    }
    const foreign = await call(`jobs/${job.id}/cancel`, {}, { origin: "http://attacker.example" });
    expect(foreign.status).toBe(403);
    expect((await call("state", undefined, { "x-console-secret": "no" })).status).toBe(403);
    expect((await fetch(`${listener.url}/_console/api/events`)).status).toBe(403);
    expect(coordinator.job(job.id).status).toBe("pending");
  });

  it("need a JSON body and POST, and name what is wrong", async () => {
    const text = await call("dispatch", "x", { "content-type": "text/plain" });
    expect(text.status).toBe(415);
    const notObject = await call("dispatch", [1]);
    expect(notObject.status).toBe(400);
    expect(await notObject.json()).toEqual({ error: "the body must be a JSON object." });
    expect((await call("killswitch")).status).toBe(405);
    expect((await call("jobs/1/explode", {})).status).toBe(404);
    expect((await call("reviews/abc/approve", {})).status).toBe(404);
  });

  it("dispatch, cancel and retry jobs through the admin routes, errors passed on", async () => {
    coordinator.addWorkerToken();
    const noWorker = await call("dispatch", { prompt: "hello" });
    expect(noWorker.status).toBe(503);
    const dispatched = await call("dispatch", {
      prompt: "hello",
      priority: "high",
      assigned_to: "w1",
      input: { n: 1 },
    });
    expect(dispatched.status).toBe(200);
    const job = (await dispatched.json()) as { id: number };
    expect(coordinator.job(job.id)).toMatchObject({
      prompt: "hello",
      priority: "high",
      assigned_to: "w1",
      input: { n: 1 },
    });
    expect((await call(`jobs/${job.id}/cancel`, { reason: "from a test" })).status).toBe(200);
    expect(coordinator.job(job.id)).toMatchObject({ status: "cancelled", cancel_reason: "from a test" });
    expect((await call(`jobs/${job.id}/retry`, {})).status).toBe(200);
    expect(coordinator.job(job.id).status).toBe("pending");
    const badField = await call("dispatch", { prompt: "x", colour: "red" });
    expect(badField.status).toBe(400);
    // The admin calls are in the request log, as an admin client's would be.
    expect(coordinator.requests.map((r) => r.route)).toEqual([
      "dispatch",
      "dispatch",
      "cancelJob",
      "retryJob",
      "dispatch",
    ]);
  });

  it("pause and resume workers, decide reviews and drive the killswitch", async () => {
    const worker = await coordinator.fetch(`${coordinator.url}/presence`, {
      method: "PUT",
      headers: { authorization: `Bearer ${coordinator.workerToken}`, "content-type": "application/json" },
      body: JSON.stringify({ instance: "w1", status: "idle", tags: "" }),
    });
    expect(worker.status).toBe(200);
    const id = coordinator.workers()[0]?.id;
    expect((await call(`workers/${id}/pause`, {})).status).toBe(200);
    expect(coordinator.workers()[0]?.paused).toBe(true);
    expect((await call(`workers/${id}/resume`, {})).status).toBe(200);
    expect(coordinator.workers()[0]?.paused).toBe(false);

    const review = await coordinator.fetch(`${coordinator.url}/api/reviews`, {
      method: "POST",
      headers: { authorization: `Bearer ${coordinator.workerToken}`, "content-type": "application/json" },
      body: JSON.stringify({ type: "image", title: "t", content: "c" }),
    });
    const { id: reviewId } = (await review.json()) as { id: number };
    expect((await call(`reviews/${reviewId}/reject`, { note: "blurry" })).status).toBe(200);
    expect(coordinator.reviews()[0]).toMatchObject({ status: "rejected", note: "blurry" });
    const again = await call(`reviews/${reviewId}/approve`, {});
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: `review ${reviewId} is already rejected.` });

    const on = await call("killswitch", { level: 3, reason: "stop" });
    expect(on.status).toBe(200);
    let state = (await (await call("state")).json()) as { killswitch: { active: boolean; level: number } };
    expect(state.killswitch).toMatchObject({ active: true, level: 3 });
    expect(coordinator.workers()[0]?.paused).toBe(true);
    expect((await call("killswitch/clear", { resume_all: false })).status).toBe(200);
    expect(coordinator.workers()[0]?.paused).toBe(true);
    await call("killswitch", { level: 1, reason: "again" });
    expect((await call("killswitch/clear", { resume_all: true })).status).toBe(200);
    state = (await (await call("state")).json()) as { killswitch: { active: boolean; level: number } };
    expect(state.killswitch.active).toBe(false);
    expect(coordinator.workers()[0]?.paused).toBe(false);
  });
});

describe("the snapshot, artifacts and events", () => {
  it("serves artifacts sandboxed, so an HTML artifact cannot script the console", async () => {
    const form = new FormData();
    form.append("file", new Blob(["<script>alert(1)</script>"], { type: "text/html" }), "page.html");
    form.append("content_type", "text/html");
    form.append("filename", "page.html");
    const uploaded = await fetch(`${listener.url}/api/artifacts`, {
      method: "POST",
      headers: { authorization: `Bearer ${coordinator.workerToken}` },
      body: form,
    });
    const { slug } = (await uploaded.json()) as { slug: string };
    const res = await fetch(`${listener.url}/_console/artifacts/${slug}`);
    expect(res.headers.get("content-security-policy")).toMatch(/^sandbox;/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await res.text()).toBe("<script>alert(1)</script>");
    expect((await fetch(`${listener.url}/_console/artifacts/nope`)).status).toBe(404);
    expect((await fetch(`${listener.url}/_console/artifacts/%E0%A4%A`)).status).toBe(404);
    const state = (await (await call("state")).json()) as { artifacts: Record<string, unknown>[] };
    expect(state.artifacts[0]).toMatchObject({ slug, filename: "page.html" });
    expect(state.artifacts[0]).not.toHaveProperty("bytes");
  });

  it("streams a change event for each coordinator event, and stops when the client goes", async () => {
    const abort = new AbortController();
    const res = await fetch(`${listener.url}/_console/api/events?secret=${secret}`, { signal: abort.signal });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let seen = "";
    const until = async (text: string) => {
      while (!seen.includes(text)) seen += decoder.decode((await reader.read()).value, { stream: true });
    };
    await until("data: hello");
    coordinator.createJob({ prompt: "p" });
    await until("event: change\ndata: create\n\n");
    abort.abort();
    await expect(reader.read()).rejects.toThrow();
  });

  it("does not hold the coordinator open: close() ends a connected event stream", async () => {
    const res = await fetch(`${listener.url}/_console/api/events?secret=${secret}`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await coordinator.close();
    // Ended cleanly or cut off, either way the stream ends (a hang would time the test out).
    const drain = async () => {
      while (!(await reader.read()).done);
    };
    expect(
      await drain().then(
        () => "ended",
        () => "ended",
      ),
    ).toBe("ended");
  });
});
