// End to end: the real Worker and ModelReins client against the local coordinator over real HTTP on loopback.
import { createHash } from "node:crypto";
import { openAsBlob } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Job, ModelReins, Worker } from "modelreins-worker";
import { type Coordinator, createCoordinator, type Listener } from "modelreins-worker/testing";
import { afterEach, beforeEach, describe, expect, test } from "vitest";

let coordinator: Coordinator;
let listener: Listener;
const workers: Worker[] = [];

beforeEach(async () => {
  coordinator = createCoordinator();
  listener = await coordinator.listen({ port: 0 });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await listener.close();
});

function newWorker(name: string, options: ConstructorParameters<typeof Worker>[0] = {}): Worker {
  const worker = new Worker({
    url: listener.url,
    token: coordinator.workerToken,
    name,
    pollIntervalMs: 20,
    heartbeatIntervalMs: 50,
    logLevel: "silent",
    ...options,
  });
  workers.push(worker);
  return worker;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("Worker over HTTP", () => {
  test("runs 20 jobs at concurrency 4, each completed once with its own result", async () => {
    const worker = newWorker("e2e-bot", { concurrency: 4 });
    const jobs = Array.from({ length: 20 }, (_, i) =>
      coordinator.createJob({ prompt: `p${i}`, assigned_to: "e2e-bot" }),
    );
    const running = worker.run(async (job: Job) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { echo: job.prompt };
    });
    for (const job of jobs) {
      const done = await coordinator.waitFor(job.id, "done");
      expect(JSON.parse(done.result ?? "")).toEqual({ echo: job.prompt });
      expect(coordinator.completions(job.id)).toBe(1);
    }
    await worker.stop();
    await running;
    const presence = coordinator.presence().find((p) => p.instance === "e2e-bot");
    expect(presence?.status).toBe("offline");
  });

  test("heartbeats say busy, with the job in flight, while a slow handler runs", async () => {
    const worker = newWorker("slow-bot");
    const job = coordinator.createJob({ prompt: "slow", assigned_to: "slow-bot" });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    void worker.run(() => held);
    await coordinator.waitFor(job.id, "running");
    await expect.poll(() => coordinator.presence().find((p) => p.instance === "slow-bot")?.status).toBe("busy");
    expect(coordinator.presence().find((p) => p.instance === "slow-bot")?.details).toMatchObject({
      in_flight: [job.id],
    });
    release();
    await coordinator.waitFor(job.id, "done");
    await expect.poll(() => coordinator.presence().find((p) => p.instance === "slow-bot")?.status).toBe("idle");
  });

  test("streams a file-backed artifact and serves back the same bytes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mrw-e2e-"));
    try {
      const path = join(dir, "data.bin");
      const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7919) % 251);
      await writeFile(path, bytes);
      const worker = newWorker("upload-bot");
      const artifact = await worker.uploadArtifact(await openAsBlob(path), "application/octet-stream", {
        filename: "data.bin",
        expires_at: new Date(Date.now() + 60_000),
      });
      expect(artifact).toMatchObject({ filename: "data.bin", size_bytes: bytes.length });
      const served = await fetch(worker.artifactUrl(artifact));
      expect(served.headers.get("content-type")).toBe("application/octet-stream");
      expect(sha256(new Uint8Array(await served.arrayBuffer()))).toBe(sha256(bytes));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("ModelReins over HTTP", () => {
  test("dispatches to an online worker and waits for the result", async () => {
    const worker = newWorker("dispatch-bot");
    void worker.run((job: Job) => `handled ${job.prompt}`);
    await expect.poll(() => coordinator.presence().some((p) => p.instance === "dispatch-bot")).toBe(true);
    const admin = new ModelReins({ url: listener.url, token: coordinator.adminToken, logLevel: "silent" });
    expect(await admin.health()).toBeDefined();
    const job = await admin.dispatch({ prompt: "hello", priority: "high" });
    expect(job.assigned_to).toBe("dispatch-bot");
    const done = await admin.jobs.wait(job.id, { pollIntervalMs: 20, maxWaitMs: 10_000 });
    expect(done).toMatchObject({ status: "done", result: "handled hello" });
    expect((await admin.jobs.list({ status: "done" })).map((j) => j.id)).toContain(job.id);
  });
});

describe("claims and failures the loop must not mistake for an outage", () => {
  function recordingLogger(lines: string[]) {
    const keep = (message: string) => {
      lines.push(message);
    };
    return { debug: () => {}, info: keep, warn: keep, error: keep };
  }

  test("a claim refused for that job alone (404) skips the job, without backing off", async () => {
    const lines: string[] = [];
    const worker = newWorker("refused-bot", { logger: recordingLogger(lines) });
    const first = coordinator.createJob({ prompt: "gone", assigned_to: "refused-bot" });
    const second = coordinator.createJob({ prompt: "fine", assigned_to: "refused-bot" });
    coordinator.faults.add({ route: "claim", kind: "status", status: 404, times: 1 });
    void worker.run(() => "ok");
    await coordinator.waitFor(second.id, "done");
    expect(coordinator.job(first.id).status).toBe("pending");
    expect(lines.some((line) => line.includes(`job ${first.id} cannot be claimed`))).toBe(true);
    expect(lines.some((line) => line.includes("trying again in"))).toBe(false);
  });

  test("a handler that throws a WorkerError is logged when there is no onError", async () => {
    const lines: string[] = [];
    const worker = newWorker("failing-bot", { logger: recordingLogger(lines) });
    const job = coordinator.createJob({ prompt: "x", assigned_to: "failing-bot" });
    void worker.run(async ({ id }) => {
      await worker.claim(id); // already ours: the coordinator answers 409
    });
    await coordinator.waitFor(job.id, "failed");
    // Logged once the failure is reported, which may be just after the coordinator records it.
    await expect
      .poll(() => lines.some((line) => line.startsWith(`job ${job.id} failed in `) && line.includes("409")))
      .toBe(true);
  });
});
