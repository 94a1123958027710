import { describe, expect, it } from "vitest";
import { DEFAULT_ROUTES, Worker } from "../src/index.js";
import { BASE, json, setupMockServer, spyLogger, TOKEN, WORKER_NAME } from "./support/msw.js";

const mock = setupMockServer();

const job = (id: number | string) => ({ id, prompt: "p", status: "running" });

function makeWorker(routes?: Record<string, string>) {
  return new Worker({
    token: TOKEN,
    url: BASE,
    name: WORKER_NAME,
    maxRetries: 0,
    logger: spyLogger(),
    ...(routes ? { routes: routes as never } : {}),
  });
}

describe("the route table", () => {
  it("holds the worker calls of PROTOCOL.md", () => {
    expect(DEFAULT_ROUTES).toMatchObject({
      health: "GET /health",
      heartbeat: "PUT /presence",
      inbox: "GET /my-jobs",
      claim: "POST /api/jobs/{id}/claim",
      complete: "POST /api/jobs/{id}/complete",
      uploadArtifact: "POST /api/artifacts",
      submitReview: "POST /api/reviews",
      artifact: "GET /s/{slug}",
    });
  });

  it("holds the admin calls of PROTOCOL.md", () => {
    expect(DEFAULT_ROUTES).toMatchObject({
      registerWorker: "POST /api/v1/workers/register",
      createJob: "POST /api/jobs",
      dispatch: "POST /dispatch",
      getJob: "GET /api/jobs/{id}",
      updateJob: "PUT /api/jobs/{id}",
      listJobs: "GET /api/jobs",
      cancelJob: "POST /api/jobs/{id}/cancel",
      retryJob: "POST /api/jobs/{id}/retry",
      listWorkers: "GET /api/workers",
      getWorker: "GET /api/workers/{id}",
      pauseWorker: "POST /api/workers/{id}/pause",
      resumeWorker: "POST /api/workers/{id}/resume",
      listPresence: "GET /presence",
      updatePresence: "PUT /presence",
      activateKillswitch: "POST /tenant/killswitch",
      clearKillswitch: "POST /tenant/killswitch/clear",
      costSummary: "GET /api/cost/summary",
      costBreakdown: "GET /api/cost/breakdown",
    });
  });
});

describe("job ids in paths", () => {
  it.each([
    ["a/b", "/api/jobs/a%2Fb/claim"],
    ["x y", "/api/jobs/x%20y/claim"],
    ["../../admin", "/api/jobs/..%2F..%2Fadmin/claim"],
    ["q?x=1#f", "/api/jobs/q%3Fx%3D1%23f/claim"],
    ["é", "/api/jobs/%C3%A9/claim"],
    [42, "/api/jobs/42/claim"],
    [0, "/api/jobs/0/claim"],
  ])("claim(%j) calls %s", async (id, path) => {
    mock.on("POST /api/jobs/:id/claim", () => json(job(id)));
    await makeWorker().claim(id);
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]?.path).toBe(path);
  });

  it("complete() encodes the id too", async () => {
    mock.on("POST /api/jobs/:id/complete", () => json({}));
    await makeWorker().complete("a/b", "r");
    expect(mock.requests[0]?.path).toBe("/api/jobs/a%2Fb/complete");
  });

  it.each([[""], [Number.NaN], [Number.POSITIVE_INFINITY], [null], [undefined], [{}]])(
    "claim(%j) is a TypeError before any request",
    async (id) => {
      await expect(makeWorker().claim(id as never)).rejects.toThrow(TypeError);
      await expect(makeWorker().complete(id as never, "r")).rejects.toThrow(
        /job id must be a number or a non-empty string/,
      );
      expect(mock.requests).toHaveLength(0);
    },
  );
});

describe("the routes option", () => {
  it("corrects a route without a release", async () => {
    mock.on("POST /api/v2/jobs/:id/take", () => json(job(9)));
    mock.on("GET /api/v2/inbox", () => json([]));
    const worker = makeWorker({ claim: "POST /api/v2/jobs/{id}/take", inbox: "GET /api/v2/inbox" });
    await worker.claim(9);
    await worker.inbox();
    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /api/v2/jobs/9/take",
      "GET /api/v2/inbox",
    ]);
    expect(mock.requests[1]?.query).toEqual({ worker: WORKER_NAME, status: "pending" });
  });

  it("can change a route's method", async () => {
    mock.on("POST /presence", () => json({}));
    await makeWorker({ heartbeat: "POST /presence" }).heartbeat();
    expect(mock.requests[0]?.method).toBe("POST");
    expect(mock.requests[0]?.headers["idempotency-key"]).toBeDefined();
  });

  it("an unknown route name is a TypeError listing the known ones", () => {
    expect(() => makeWorker({ clam: "POST /x" })).toThrow(TypeError);
    expect(() => makeWorker({ clam: "POST /x" })).toThrow(
      /Unknown route "clam" in the routes option; did you mean "claim"\?.*claim/,
    );
  });

  it.each([
    "/api/jobs/{id}/claim",
    "PATCH /api/jobs",
    "POST api/jobs",
    "POST  /api/jobs",
    "POST /api/jobs x",
    "post /api/jobs",
  ])("a malformed route %j is a TypeError at construction", (spec) => {
    expect(() => makeWorker({ claim: spec })).toThrow(/Route "claim" must look like/);
  });
});
