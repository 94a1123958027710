// Reliability across processes: workers run as child processes (tsx) against the local coordinator,
// served over real HTTP by this test process. The coordinator restarts under a running worker; a
// worker is killed with SIGKILL mid-job; a worker gets SIGTERM (once, then twice) with jobs in flight.
import { SHUTDOWN_RESULT } from "modelreins-worker";
import { type Coordinator, createCoordinator, type Listener } from "modelreins-worker/testing";
import { afterEach, describe, expect, it } from "vitest";
import { killAll, startWorkerProcess } from "./processes.js";
import { delay } from "./support.js";

let coordinator: Coordinator | undefined;
let listener: Listener | undefined;

afterEach(async () => {
  await killAll();
  await listener?.close();
  await coordinator?.close();
  listener = undefined;
  coordinator = undefined;
});

async function serve(options: Parameters<typeof createCoordinator>[0] = {}) {
  coordinator = createCoordinator(options);
  listener = await coordinator.listen({ port: 0 });
  return { coordinator, url: listener.url, port: Number(new URL(listener.url).port) };
}

const workerEnv = (url: string, name: string, extra: Record<string, string> = {}) => ({
  MR_URL: url,
  MR_TOKEN: coordinator?.workerToken ?? "",
  MR_NAME: name,
  ...extra,
});

const doneCount = (c: Coordinator) => c.jobs().filter((j) => j.status === "done").length;

describe("the coordinator restarts under a running worker", () => {
  it("the worker rides out the outage and resumes by itself; every job is done once, with its own result", async () => {
    const { coordinator, url, port } = await serve();
    const name = "restart-w";
    const jobs = Array.from({ length: 60 }, () => coordinator.createJob({ prompt: "sleep:30", assigned_to: name }));
    const worker = startWorkerProcess(workerEnv(url, name, { MR_CONCURRENCY: "4", MR_TIMEOUT_MS: "1000" }));
    await expect.poll(() => doneCount(coordinator), { timeout: 15_000, interval: 20 }).toBeGreaterThanOrEqual(10);

    // The coordinator goes away (its state stays in this object), then comes back on the same port.
    await listener?.close();
    const downAt = Date.now();
    await worker.waitFor(/could not reach the coordinator at .* \(ECONNREFUSED\)/, 5_000);
    // Long enough for the per-call retries to give up: the loop's own back-off takes over.
    await worker.waitFor(/; trying again in \d+ ms/, 5_000);
    await delay(1_000);
    expect(doneCount(coordinator)).toBeLessThan(jobs.length);
    listener = await coordinator.listen({ port });
    expect(listener.url).toBe(url);

    await expect.poll(() => doneCount(coordinator), { timeout: 20_000, interval: 50 }).toBe(jobs.length);
    expect(worker.output()).toContain("the coordinator answers again; resuming");
    for (const job of coordinator.jobs()) {
      expect(job.result, `job ${job.id}`).toBe(`r:${job.id}:${worker.pid}`);
      expect(coordinator.completions(job.id), `completions of job ${job.id}`).toBe(1);
    }
    // Each handler ran once.
    const starts = worker.output().match(/^start \d+ /gm) ?? [];
    expect(starts).toHaveLength(jobs.length);
    expect(Date.now() - downAt).toBeLessThan(15_000);

    worker.process.kill("SIGTERM");
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(coordinator.presence().find((p) => p.instance === name)?.status).toBe("offline");
  }, 45_000);
});

describe("a worker killed with SIGKILL mid-job", () => {
  it("its job is requeued by the coordinator and finished by the next process of that name", async () => {
    const { coordinator, url } = await serve({ requeueAfterMs: 500 });
    const name = "killed-w";
    const job = coordinator.createJob({ prompt: "sleep:60000", assigned_to: name });
    const first = startWorkerProcess(workerEnv(url, name));
    await first.waitFor(new RegExp(`^start ${job.id} `, "m"));
    expect(coordinator.job(job.id)).toMatchObject({ status: "running", claimed_by: name });
    first.process.kill("SIGKILL");
    expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });

    // No heartbeat for requeueAfterMs: back to pending, still assigned to the worker name.
    const requeued = await coordinator.waitFor(job.id, "pending", { timeoutMs: 3_000 });
    expect(requeued).toMatchObject({ requeues: 1, claimed_by: null, assigned_to: name });

    // The replacement process (the same name, as a restarted pod or service unit has) claims it and runs it again.
    const second = startWorkerProcess(workerEnv(url, name, { MR_FAST: "1" }));
    const done = await coordinator.waitFor(job.id, "done", { timeoutMs: 8_000 });
    expect(done.result).toBe(`r:${job.id}:${second.pid}`);
    expect(coordinator.completions(job.id)).toBe(1);
    expect(second.output()).toMatch(new RegExp(`^start ${job.id} ${second.pid}$`, "m"));
    second.process.kill("SIGTERM");
    expect(await second.exited).toEqual({ code: 0, signal: null });
  }, 20_000);

  it("a replacement started before the requeue takes the job up at once: it is running in its name", async () => {
    const { coordinator, url } = await serve();
    const name = "killed-w2";
    const job = coordinator.createJob({ prompt: "sleep:60000", assigned_to: name });
    const first = startWorkerProcess(workerEnv(url, name));
    await first.waitFor(new RegExp(`^start ${job.id} `, "m"));
    first.process.kill("SIGKILL");
    await first.exited;
    const second = startWorkerProcess(workerEnv(url, name, { MR_FAST: "1" }));
    const done = await coordinator.waitFor(job.id, "done", { timeoutMs: 8_000 });
    expect(done).toMatchObject({ result: `r:${job.id}:${second.pid}`, requeues: 0 });
    expect(coordinator.completions(job.id)).toBe(1);
    expect(second.output()).toContain(`job ${job.id} is running in this worker's name but not here`);
    second.process.kill("SIGTERM");
    expect(await second.exited).toEqual({ code: 0, signal: null });
  }, 20_000);
});

describe("SIGTERM with jobs in flight", () => {
  it("stops claiming; jobs finish within the grace or fail with SHUTDOWN_RESULT; offline is the last call; exit code 0", async () => {
    const { coordinator, url } = await serve();
    const name = "term-w";
    const quick = coordinator.createJob({ prompt: "sleep:300", assigned_to: name });
    const obeys = coordinator.createJob({ prompt: "obey:60000", assigned_to: name });
    const hangs = coordinator.createJob({ prompt: "hang", assigned_to: name });
    const waiting = coordinator.createJob({ prompt: "sleep:1", assigned_to: name });
    const worker = startWorkerProcess(workerEnv(url, name, { MR_CONCURRENCY: "3", MR_GRACE_MS: "800" }));
    for (const job of [quick, obeys, hangs]) await worker.waitFor(new RegExp(`^start ${job.id} `, "m"));
    const signalledAt = Date.now();
    worker.process.kill("SIGTERM");
    const exit = await worker.exited;
    const took = Date.now() - signalledAt;
    expect(exit, worker.output()).toEqual({ code: 0, signal: null });
    expect(worker.output()).toContain("SIGTERM received: finishing in-flight jobs");
    expect(worker.output()).toContain("run resolved");
    // Grace (800 ms), then a second for aborted handlers, then the last calls.
    expect(took).toBeGreaterThanOrEqual(800);
    expect(took).toBeLessThan(6_000);

    expect(coordinator.job(quick.id)).toMatchObject({ status: "done", result: `r:${quick.id}:${worker.pid}` });
    const obeyed = coordinator.job(obeys.id);
    expect(obeyed.status).toBe("failed");
    expect(obeyed.result).toContain(SHUTDOWN_RESULT);
    expect(coordinator.job(hangs.id)).toMatchObject({ status: "failed", result: SHUTDOWN_RESULT });
    for (const job of [quick, obeys, hangs]) expect(coordinator.completions(job.id)).toBe(1);
    // Not claimed once the stop began.
    expect(coordinator.job(waiting.id)).toMatchObject({ status: "pending", claimed_by: null });
    expect(coordinator.jobs().filter((j) => j.status === "running")).toEqual([]);
    expect(coordinator.presence().find((p) => p.instance === name)?.status).toBe("offline");
    const last = coordinator.requests.at(-1);
    expect(last).toMatchObject({ method: "PUT", path: "/presence", status: 200 });
  }, 20_000);

  it("a second SIGTERM exits at once with code 143; the coordinator requeues the job later", async () => {
    const { coordinator, url } = await serve();
    const name = "term2-w";
    const job = coordinator.createJob({ prompt: "hang", assigned_to: name });
    const worker = startWorkerProcess(workerEnv(url, name, { MR_GRACE_MS: "30000" }));
    await worker.waitFor(new RegExp(`^start ${job.id} `, "m"));
    worker.process.kill("SIGTERM");
    await worker.waitFor(/SIGTERM received: finishing in-flight jobs/);
    await delay(200);
    expect(worker.process.exitCode).toBeNull();
    const secondAt = Date.now();
    worker.process.kill("SIGTERM");
    expect(await worker.exited).toEqual({ code: 143, signal: null });
    expect(Date.now() - secondAt).toBeLessThan(2_000);
    expect(worker.output()).toContain("SIGTERM received again: exiting now");
    expect(worker.output()).not.toContain("run resolved");
    // Left running: the coordinator's requeue after silence takes it back.
    expect(coordinator.job(job.id).status).toBe("running");
  }, 20_000);
});
