/**
 * `mr.workers` and `mr.presence`: exact requests, wrapped and bare lists,
 * and the checks of registration input.
 */
import { describe, expect, it } from "vitest";
import { ConflictError, InvalidResponseError } from "../../src/index.js";
import { BASE, client, setupMockCoordinator, status } from "./support.js";

const mock = setupMockCoordinator();

const worker = (id: number, fields: Record<string, unknown> = {}) => ({
  id,
  name: `bot-${id}`,
  paused: false,
  capabilities: [],
  ...fields,
});

describe("workers.register()", () => {
  const input = {
    name: "summariser",
    description: "Summarises PDFs",
    capabilities: [
      { name: "summarise", risk_tier: "auto" },
      { name: "email", risk_tier: "approve", requires_secrets: ["vault://smtp/password"] },
    ],
  } as const;

  it("sends POST /api/v1/workers/register and returns the answer with view_url", async () => {
    mock.on("POST /api/v1/workers/register", () => ({
      ...worker(1, { name: "summariser" }),
      view_url: `${BASE}/v/abc`,
    }));
    const answer = await client().mr.workers.register(input);
    expect(mock.seen[0]).toMatchObject({ method: "POST", path: "/api/v1/workers/register", search: "", json: input });
    expect(mock.seen[0]?.headers["content-type"]).toBe("application/json");
    expect(answer.view_url).toBe(`${BASE}/v/abc`);
    expect(answer).toMatchObject({ id: 1, name: "summariser" });
  });

  it("leaves out a missing description and keeps an empty capability list", async () => {
    mock.on("POST /api/v1/workers/register", () => ({ view_url: `${BASE}/v/x` }));
    await client().mr.workers.register({ name: "w", capabilities: [] });
    expect(mock.seen[0]?.json).toEqual({ name: "w", capabilities: [] });
  });

  it("refuses an answer without view_url and passes a 409 for a taken name", async () => {
    mock.on("POST /api/v1/workers/register", (_, n) => (n === 1 ? { id: 1 } : status(409, { error: "taken" })));
    const { mr } = client();
    await expect(mr.workers.register({ name: "w", capabilities: [] })).rejects.toBeInstanceOf(InvalidResponseError);
    await expect(mr.workers.register({ name: "w", capabilities: [] })).rejects.toBeInstanceOf(ConflictError);
  });

  it("checks its input before sending anything", async () => {
    const { mr } = client();
    await expect(mr.workers.register({ name: "", capabilities: [] })).rejects.toThrow(
      'workers.register: name must be a non-empty string; got the string "".',
    );
    await expect(mr.workers.register({ name: "w" } as never)).rejects.toThrow("capabilities must be an array");
    await expect(
      mr.workers.register({ name: "w", capabilities: [{ name: "x", risk_tier: "yolo" }] } as never),
    ).rejects.toThrow(
      'workers.register: capabilities[0].risk_tier must be one of auto, audit, approve, session; got the string "yolo".',
    );
    await expect(
      mr.workers.register({ name: "w", capabilities: [{ name: "x", risk_tier: "auto", requires_secrets: ["plain"] }] }),
    ).rejects.toThrow("requires_secrets lists vault:// references");
    await expect(mr.workers.register({ name: "w", description: 3, capabilities: [] } as never)).rejects.toThrow(
      TypeError,
    );
    expect(mock.seen).toHaveLength(0);
  });
});

describe("workers.list() and get()", () => {
  it.each([
    ["a bare array", [worker(1), worker(2)]],
    ["{ workers }", { workers: [worker(1), worker(2)] }],
    ["{ data }", { data: [worker(1), worker(2)] }],
  ])("list() sends GET /api/workers and accepts %s", async (_, answer) => {
    mock.on("GET /api/workers", () => answer);
    const workers = await client().mr.workers.list();
    expect(workers.map((w) => w.name)).toEqual(["bot-1", "bot-2"]);
    expect(mock.seen[0]).toMatchObject({ method: "GET", path: "/api/workers", search: "", text: "" });
  });

  it("list() refuses items that are not workers", async () => {
    mock.on("GET /api/workers", () => [worker(1), { id: 2 }]);
    await expect(client().mr.workers.list()).rejects.toThrow("item 1 (id 2) has no name string");
  });

  it("get() sends GET /api/workers/<id> and accepts a bare or wrapped worker", async () => {
    mock.on("GET /api/workers/:id", (_, n) => (n === 1 ? worker(3) : { worker: worker(3) }));
    const { mr } = client();
    expect(await mr.workers.get(3)).toEqual(worker(3));
    expect(await mr.workers.get("bot-3")).toEqual(worker(3));
    expect(mock.seen.map((s) => s.path)).toEqual(["/api/workers/3", "/api/workers/bot-3"]);
  });
});

describe("workers.pause() and resume()", () => {
  it("send POST /api/workers/<id>/pause and /resume without a body", async () => {
    mock.on("POST /api/workers/:id/pause", () => worker(4, { paused: true }));
    mock.on("POST /api/workers/:id/resume", () => ({ success: true }));
    const { mr } = client();
    expect(await mr.workers.pause(4)).toMatchObject({ id: 4, paused: true });
    expect(await mr.workers.resume(4)).toEqual({ success: true });
    expect(mock.seen.map((s) => [s.method, s.path, s.text])).toEqual([
      ["POST", "/api/workers/4/pause", ""],
      ["POST", "/api/workers/4/resume", ""],
    ]);
    await expect(mr.workers.pause(undefined as never)).rejects.toThrow(
      "A worker id must be a number or a non-empty string; got nothing.",
    );
  });
});

describe("presence", () => {
  const entry = { instance: "bot-1", status: "online", tags: "a,b", last_seen: "2026-01-01T00:00:00Z", load: 1 };

  it.each([
    ["{ presence }", { presence: [entry] }],
    ["a bare array", [entry]],
  ])("list() sends GET /presence and accepts %s", async (_, answer) => {
    mock.on("GET /presence", () => answer);
    expect(await client().mr.presence.list()).toEqual([entry]);
    expect(mock.seen[0]).toMatchObject({ method: "GET", path: "/presence", search: "" });
  });

  it("list() refuses items without an instance", async () => {
    mock.on("GET /presence", () => [{ status: "online" }]);
    await expect(client().mr.presence.list()).rejects.toBeInstanceOf(InvalidResponseError);
  });

  it("update() sends PUT /presence with the heartbeat body", async () => {
    mock.on("PUT /presence", () => ({ ok: true }));
    const { mr } = client();
    expect(
      await mr.presence.update({ instance: "bot-1", status: "busy", tags: ["gpu", "eu"], details: { load: 0.5 } }),
    ).toEqual({ ok: true });
    await mr.presence.update({ instance: "bot-2" });
    expect(mock.seen.map((s) => [s.method, s.path, s.json])).toEqual([
      ["PUT", "/presence", { instance: "bot-1", status: "busy", tags: "gpu,eu", details: { load: 0.5 } }],
      ["PUT", "/presence", { instance: "bot-2", status: "active", tags: "" }],
    ]);
  });

  it("update() checks its input", async () => {
    const { mr } = client();
    await expect(mr.presence.update({} as never)).rejects.toThrow(
      "presence.update: instance must be a non-empty string",
    );
    await expect(mr.presence.update({ instance: "b", tags: ["a,b"] })).rejects.toThrow(TypeError);
    await expect(mr.presence.update({ instance: "b", details: [] as never })).rejects.toThrow(TypeError);
    expect(mock.seen).toHaveLength(0);
  });
});
