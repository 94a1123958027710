/**
 * `mr.presence.update()` against the local coordinator, over real HTTP: every
 * field given reaches the coordinator, the documented `provider` included
 * (the API reference's own example body), and reads back from `GET /presence`.
 */
import { ModelReins } from "modelreins-worker";
import { type Coordinator, createCoordinator } from "modelreins-worker/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

describe("presence.update() ↔ local coordinator", () => {
  let coordinator: Coordinator;
  let mr: ModelReins;
  beforeEach(async () => {
    coordinator = createCoordinator({ seed: 1 });
    await coordinator.listen();
    mr = new ModelReins({ ...coordinator.adminOptions(), logLevel: "silent" });
  });
  afterEach(async () => {
    await coordinator.close();
  });

  it("sends the API reference's example body, provider included, and the coordinator keeps it", async () => {
    const answer = await mr.presence.update({
      instance: "my-worker",
      status: "idle",
      tags: "code,draft,economy",
      provider: "ollama",
    });
    expect(answer).toMatchObject({
      instance: "my-worker",
      status: "idle",
      tags: "code,draft,economy",
      provider: "ollama",
    });
    expect(coordinator.requests.at(-1)).toMatchObject({ method: "PUT", path: "/presence", status: 200 });
    expect(coordinator.presence()).toMatchObject([{ instance: "my-worker", provider: "ollama" }]);
    expect(await mr.presence.list()).toMatchObject([{ instance: "my-worker", status: "idle", provider: "ollama" }]);
  });

  it("joins a list of tags as a heartbeat does, and sends details only when given", async () => {
    await mr.presence.update({ instance: "w2", tags: ["gpu", "fast"], details: { load: 1 }, provider: "vllm" });
    expect(coordinator.presence()).toMatchObject([
      { instance: "w2", status: "active", tags: "gpu,fast", details: { load: 1 }, provider: "vllm" },
    ]);
  });

  it("a field the coordinator does not know is sent too, and refused by this strict one with 400", async () => {
    await expect(mr.presence.update({ instance: "w3", region: "eu" })).rejects.toMatchObject({
      name: "BadRequestError",
      status: 400,
      message: expect.stringContaining('"region"'),
    });
  });
});
