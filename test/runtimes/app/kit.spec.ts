/**
 * The testing kit under the runtime's own test runner (`bun test`,
 * `deno test`): node:test is the API both of them run. A worker and the admin
 * client talk to `createCoordinator()` through its `fetch`, with no socket.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ModelReins, Worker } from "modelreins-worker";
import { type Coordinator, createCoordinator } from "modelreins-worker/testing";

/** A worker named "kit" that reaches `coordinator` through its in-memory fetch. */
function kitWorker(coordinator: Coordinator): Worker {
  const { fetch, url } = coordinator;
  return new Worker({
    url,
    token: coordinator.workerToken,
    name: "kit",
    fetch,
    pollIntervalMs: 10,
    logLevel: "silent",
  });
}

describe("modelreins-worker/testing", () => {
  it("runs a dispatched job through createCoordinator().fetch", async () => {
    await using coordinator = createCoordinator({ seed: 1 });
    const { fetch, url } = coordinator;
    const admin = new ModelReins({ url, token: coordinator.adminToken, fetch, logLevel: "silent" });
    const worker = kitWorker(coordinator);
    const jobs = await Promise.all(["one", "two"].map((prompt) => admin.dispatch({ prompt, assigned_to: "kit" })));
    const running = worker.run((job) => `echo: ${job.prompt}`, { handleSignals: false });
    for (const [i, job] of jobs.entries()) {
      const done = await coordinator.waitFor(job.id, "done", { timeoutMs: 10_000 });
      assert.equal(done.result, `echo: ${["one", "two"][i]}`);
      assert.equal(coordinator.completions(job.id), 1);
    }
    await worker.stop();
    await running;
  });

  it("fails a job whose handler throws, with the stack trace as its result", async () => {
    await using coordinator = createCoordinator({ seed: 2 });
    const worker = kitWorker(coordinator);
    const job = coordinator.dispatch({ prompt: "boom", assigned_to: "kit" });
    const errors: unknown[] = [];
    const running = worker.run(
      () => {
        throw new Error("the handler threw");
      },
      { handleSignals: false, onError: (_job, error) => errors.push(error) },
    );
    const failed = await coordinator.waitFor(job.id, "failed", { timeoutMs: 10_000 });
    assert.match(String(failed.result), /Error: the handler threw\n\s+at /);
    await worker.stop();
    await running;
    assert.equal(errors.length, 1);
  });
});
