// Reliability: 1,000 jobs through the local coordinator over real HTTP on loopback, with faults
// injected on claim, complete, inbox and heartbeat. Every job ends done with its own result,
// completed exactly once, run exactly once, and the worker is still running at the end.
import { type Job, ModelReins, SHUTDOWN_RESULT, type WorkerOptions } from "modelreins-worker";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  addFaults,
  delay,
  faultMix,
  type LoopbackWorker,
  loopbackWorker,
  seeded,
  smallSeededJitter,
} from "./support.js";

const JOBS = 1_000;

let fixture: LoopbackWorker | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
  vi.restoreAllMocks();
});

async function setup(idempotency: boolean, name: string, seed: number, options: WorkerOptions = {}) {
  smallSeededJitter(seed);
  fixture = await loopbackWorker({
    coordinator: { seed, idempotency },
    worker: { concurrency: 8, timeoutMs: 300, ...options, name },
  });
  return fixture;
}

describe.each([
  { idempotency: true, seed: 1 },
  { idempotency: false, seed: 2 },
])("fault injection over HTTP, coordinator idempotency $idempotency", ({ idempotency, seed }) => {
  it(`${JOBS} jobs: each done once, with its own result, through drops, 5xx, 429 and stalls`, async () => {
    const name = `fi-${idempotency ? "on" : "off"}`;
    const { coordinator, worker, logger } = await setup(idempotency, name, seed);
    const jobs = Array.from({ length: JOBS }, (_, i) => coordinator.createJob({ prompt: `p${i}`, assigned_to: name }));
    addFaults(coordinator, faultMix());
    const handled = new Map<string, number>();
    const onError = vi.fn();
    // From the events alone: every job that started ends with exactly one terminal event.
    const started = new Map<string, number>();
    const terminal = new Map<string, string[]>();
    let completedEvents = 0;
    worker.on("job:started", ({ job }) => void started.set(String(job.id), (started.get(String(job.id)) ?? 0) + 1));
    for (const event of ["job:completed", "job:failed", "job:cancelled"] as const) {
      worker.on(event, ({ job }) => {
        terminal.set(String(job.id), [...(terminal.get(String(job.id)) ?? []), event]);
        if (event === "job:completed") completedEvents++;
      });
    }
    const pause = seeded(seed + 100);
    let ended = false;
    const running = worker.run(
      async (job: Job) => {
        handled.set(String(job.id), (handled.get(String(job.id)) ?? 0) + 1);
        await delay(Math.floor(pause() * 4));
        return `r:${job.id}`;
      },
      { onError, handleSignals: false },
    );
    void running.finally(() => {
      ended = true;
    });

    const last = jobs.at(-1);
    await expect
      .poll(() => coordinator.jobs().filter((j) => j.status === "done").length, { timeout: 40_000, interval: 50 })
      .toBe(JOBS);
    // Time for a late duplicate (a retried completion, a second adoption) to show.
    await delay(300);

    for (const job of coordinator.jobs()) {
      expect(job, `job ${job.id}`).toMatchObject({ status: "done", result: `r:${job.id}`, claimed_by: name });
      expect(coordinator.completions(job.id), `completions of job ${job.id}`).toBe(1);
      expect(handled.get(String(job.id)), `handler runs of job ${job.id}`).toBe(1);
    }
    expect(last && coordinator.job(last.id).status).toBe("done");
    // Faults of every kind hit; the worker saw them and went on.
    const faults = coordinator.requests.filter((r) => r.fault !== undefined);
    expect(new Set(faults.map((r) => r.fault))).toEqual(new Set(["drop-before", "drop-after", "status", "stall"]));
    expect(new Set(faults.map((r) => r.route))).toEqual(new Set(["claim", "complete", "inbox", "heartbeat"]));
    expect(faults.length).toBeGreaterThan(200);
    expect(onError).not.toHaveBeenCalled();
    expect(logger.lines.filter((l) => l.level === "error")).toEqual([]);
    expect(logger.text()).not.toContain(coordinator.workerToken);
    expect(started.size).toBe(JOBS);
    for (const [id, runs] of started) {
      expect(runs, `starts of job ${id}`).toBe(1);
      expect(terminal.get(id), `terminal events of job ${id}`).toEqual(["job:completed"]);
    }
    expect(completedEvents).toBe(coordinator.jobs().filter((j) => j.status === "done").length);
    expect(worker.status().counts).toMatchObject({ completed: JOBS, failed: 0, cancelled: 0 });

    // Still running: the faults never ended run().
    expect(ended).toBe(false);
    expect(worker.running).toBe(true);
    coordinator.faults.clear();
    await worker.stop();
    await running;
    expect(coordinator.presence().find((p) => p.instance === name)?.status).toBe("offline");
    expect(coordinator.jobs().filter((j) => j.status === "running")).toEqual([]);
  }, 60_000);

  it("a completion whose every attempt fails after the first one landed is not reported as lost", async () => {
    const name = `fi-complete-${idempotency ? "on" : "off"}`;
    const { coordinator, worker, logger } = await setup(idempotency, name, seed);
    const job = coordinator.createJob({ prompt: "x", assigned_to: name });
    // The first attempt lands and its answer is lost; the two retries are lost before the coordinator acts.
    coordinator.faults.add({ route: "complete", kind: "drop-after", times: 1 });
    coordinator.faults.add({ route: "complete", kind: "drop-before", times: 2 });
    const onError = vi.fn();
    const running = worker.run(() => "landed", { onError, handleSignals: false });
    await coordinator.waitFor(job.id, "done");
    // The loop tries the kept result again (after about a second) and gets 409: the job is done already.
    await expect
      .poll(() => coordinator.requests.filter((r) => r.route === "complete").length, { timeout: 5_000 })
      .toBeGreaterThanOrEqual(4);
    await delay(100);
    expect(coordinator.job(job.id)).toMatchObject({ status: "done", result: "landed" });
    expect(coordinator.completions(job.id)).toBe(1);
    expect(onError).not.toHaveBeenCalled();
    expect(logger.lines.filter((l) => l.level === "error")).toEqual([]);
    await worker.stop();
    await running;
  });

  it("a claim whose every attempt fails after the first one landed: the job is taken up as an orphan and run once", async () => {
    const name = `fi-claim-${idempotency ? "on" : "off"}`;
    const { coordinator, worker, logger } = await setup(idempotency, name, seed);
    const job = coordinator.createJob({ prompt: "x", assigned_to: name });
    coordinator.faults.add({ route: "claim", kind: "drop-after", times: 1 });
    coordinator.faults.add({ route: "claim", kind: "stall", times: 2 });
    let runs = 0;
    const onError = vi.fn();
    const running = worker.run(
      () => {
        runs++;
        return "adopted";
      },
      { onError, handleSignals: false },
    );
    await coordinator.waitFor(job.id, "done", { timeoutMs: 10_000 });
    await delay(100);
    expect(coordinator.job(job.id)).toMatchObject({ status: "done", result: "adopted" });
    expect(coordinator.completions(job.id)).toBe(1);
    expect(runs).toBe(1);
    expect(logger.text()).toContain(`job ${job.id} is running in this worker's name but not here`);
    expect(onError).not.toHaveBeenCalled();
    await worker.stop();
    await running;
  });

  it("stop() waits for a completion still on its way at the end of the grace period, and sends offline after it", async () => {
    const name = `fi-flush-${idempotency ? "on" : "off"}`;
    // A grace period far shorter than the delivery: when it ends, the handler is done and its result on its way.
    const { coordinator, worker, logger } = await setup(idempotency, name, seed, {
      shutdownGraceMs: 50,
      timeoutMs: 500,
    });
    const job = coordinator.createJob({ prompt: "x", assigned_to: name });
    // Every attempt of the handler's own delivery stalls (3 x 500 ms: past the grace and the second
    // that aborted handlers get); the next call goes through.
    coordinator.faults.add({ route: "complete", kind: "stall", times: 3 });
    let started!: () => void;
    const startedP = new Promise<void>((resolve) => {
      started = resolve;
    });
    const running = worker.run(
      async () => {
        started();
        await delay(20);
        return "late but delivered";
      },
      { handleSignals: false },
    );
    await startedP;
    await worker.stop();
    await running;
    expect(coordinator.job(job.id)).toMatchObject({ status: "done", result: "late but delivered" });
    expect(coordinator.completions(job.id)).toBe(1);
    expect(coordinator.requests.at(-1)).toMatchObject({ method: "PUT", path: "/presence" });
    expect(coordinator.presence().find((p) => p.instance === name)?.status).toBe("offline");
    expect(logger.lines.filter((l) => l.level === "error")).toEqual([]);
  });
});

describe("jobs that come back", () => {
  it("a failed job retried by an admin is claimed and run again by the same worker process", async () => {
    const name = "fi-retried";
    const { coordinator, worker } = await setup(true, name, 3);
    const admin = new ModelReins({ url: coordinator.url, token: coordinator.adminToken, logLevel: "silent" });
    const job = coordinator.createJob({ prompt: "x", assigned_to: name });
    let runs = 0;
    const running = worker.run(
      () => {
        runs++;
        if (runs === 1) throw new Error("first run fails");
        return `r:${job.id}`;
      },
      { handleSignals: false, onError: () => {} },
    );
    await coordinator.waitFor(job.id, "failed");
    await admin.jobs.retry(job.id);
    const done = await coordinator.waitFor(job.id, "done", { timeoutMs: 3_000 });
    expect(done).toMatchObject({ result: `r:${job.id}`, retries: 1 });
    expect(runs).toBe(2);
    await worker.stop();
    await running;
  });

  it("a job requeued during an outage (its result undeliverable for now) is claimed and run again, not left pending", async () => {
    const name = "fi-requeued";
    vi.spyOn(Math, "random").mockReturnValue(0);
    fixture = await loopbackWorker({
      coordinator: { requeueAfterMs: 300, seed: 4 },
      worker: { name, heartbeatIntervalMs: 50, timeoutMs: 300 },
    });
    const { coordinator, worker } = fixture;
    const job = coordinator.createJob({ prompt: "x", assigned_to: name });
    let runs = 0;
    const c = coordinator;
    const running = worker.run(
      () => {
        runs++;
        // The coordinator becomes unreachable as the first run ends: its result cannot be delivered.
        if (runs === 1) c.faults.add({ kind: "drop-before" });
        return `r:${job.id}:${runs}`;
      },
      { handleSignals: false },
    );
    // Silent for longer than requeueAfterMs: the coordinator puts the job back to pending.
    await expect
      .poll(() => c.job(job.id), { timeout: 3_000, interval: 20 })
      .toMatchObject({ status: "pending", requeues: 1 });
    c.faults.clear();
    const done = await c.waitFor(job.id, "done", { timeoutMs: 5_000 });
    expect(done.requeues).toBe(1);
    expect(done.result).toMatch(new RegExp(`^r:${job.id}:[12]$`));
    expect(c.completions(job.id)).toBe(1);
    await delay(100);
    expect(c.job(job.id).status).toBe("done");
    await worker.stop();
    await running;
  });

  it("a kept result is tried again when due, even while every slot is busy with long jobs", async () => {
    const name = "fi-busy";
    const { coordinator, worker, logger } = await setup(true, name, 5, { concurrency: 2 });
    const [slow1, quick, slow2] = ["slow", "quick", "slow"].map((prompt) =>
      coordinator.createJob({ prompt, assigned_to: name }),
    );
    // The quick job's delivery fails three times (one call and its retries): its result is kept.
    coordinator.faults.add({ route: "complete", kind: "status", status: 503, times: 3 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const running = worker.run(
      async (job: Job) => {
        if (job.prompt === "slow") await released;
        return `r:${job.id}`;
      },
      { handleSignals: false },
    );
    try {
      const done = await coordinator.waitFor(quick?.id ?? 0, "done", { timeoutMs: 4_000 });
      expect(done.result).toBe(`r:${quick?.id}`);
      expect(logger.text()).toContain(`job ${quick?.id}'s result is not delivered yet`);
      // Delivered while both slots were still taken by the slow jobs.
      expect(coordinator.job(slow1?.id ?? 0).status).toBe("running");
      expect(coordinator.job(slow2?.id ?? 0).status).toBe("running");
    } finally {
      release();
    }
    await coordinator.waitFor(slow2?.id ?? 0, "done");
    await worker.stop();
    await running;
  });
});

describe("the coordinator down", () => {
  it("a worker started while the coordinator is down waits it out and starts working when it comes up", async () => {
    const name = "fi-early";
    fixture = await loopbackWorker({ worker: { name, heartbeatIntervalMs: 100 } });
    const { coordinator, worker, logger, listener: first } = fixture;
    const port = Number(new URL(first.url).port);
    await first.close();
    let ended = false;
    let outage = false;
    worker.once("coordinator:unreachable", () => {
      outage = true;
    });
    const running = worker
      .run((job: Job) => `r:${job.id}`, { handleSignals: false })
      .finally(() => {
        ended = true;
      });
    // Named once (by the first heartbeat or the first inbox, whichever fails first), and the loop is in the outage.
    await expect.poll(() => logger.text(), { timeout: 5_000 }).toMatch(/ECONNREFUSED\)\. Nothing is listening there: /);
    await expect.poll(() => outage, { timeout: 5_000 }).toBe(true);
    expect(ended).toBe(false);
    await coordinator.listen({ port });
    const job = coordinator.createJob({ prompt: "x", assigned_to: name });
    expect(await coordinator.waitFor(job.id, "done", { timeoutMs: 8_000 })).toMatchObject({ result: `r:${job.id}` });
    expect(logger.text()).toContain("the coordinator answers again; resuming");
    await worker.stop();
    await running;
  }, 15_000);

  it("a periodic heartbeat stalled at stop() does not outlive the run", async () => {
    const name = "fi-hb";
    const { coordinator, worker, logger } = await setup(true, name, 6, { timeoutMs: 10_000, heartbeatIntervalMs: 50 });
    const running = worker.run(() => "", { handleSignals: false });
    await expect.poll(() => coordinator.presence().find((p) => p.instance === name)?.status).toBe("idle");
    const stall = coordinator.faults.add({ route: "heartbeat", kind: "stall", times: 1 });
    await expect.poll(() => stall.hits).toBe(1);
    const stoppedAt = Date.now();
    await worker.stop();
    await running;
    expect(Date.now() - stoppedAt).toBeLessThan(1_000);
    expect(coordinator.presence().find((p) => p.instance === name)?.status).toBe("offline");
    // The stalled request ends (its connection closed by the worker) as the run ends, not 10 s later.
    await expect.poll(() => coordinator.requests.filter((r) => r.fault === "stall").length, { timeout: 1_000 }).toBe(1);
    expect(logger.text()).not.toContain("heartbeat failed");
  });

  it("a stop ends in bounded time when the coordinator stops answering: the unreported result is logged", async () => {
    const name = "fi-bounded";
    const { coordinator, worker, logger } = await setup(true, name, 7, { shutdownGraceMs: 100, timeoutMs: 10_000 });
    const job = coordinator.createJob({ prompt: "x", assigned_to: name });
    const running = worker.run(() => new Promise<never>(() => {}), { handleSignals: false });
    await coordinator.waitFor(job.id, "running");
    coordinator.faults.add({ route: "complete", kind: "stall" });
    const stoppedAt = Date.now();
    await worker.stop();
    await running;
    const took = Date.now() - stoppedAt;
    // Grace (0.1 s) + a second for aborted handlers + at most 10 s for the last results.
    expect(took).toBeGreaterThan(10_000);
    expect(took).toBeLessThan(12_500);
    expect(coordinator.job(job.id).status).toBe("running");
    expect(logger.lines.filter((l) => l.level === "error").map((l) => l.message)).toEqual([
      `job ${job.id}'s result was never delivered; the coordinator will requeue the job. failed result: ${SHUTDOWN_RESULT}`,
    ]);
    expect(coordinator.presence().find((p) => p.instance === name)?.status).toBe("offline");
  }, 20_000);

  it("the grace period counts from the stop request, even while the loop waits on a stalled claim", async () => {
    const name = "fi-grace";
    const { coordinator, worker } = await setup(true, name, 8, {
      concurrency: 2,
      shutdownGraceMs: 1_000,
      timeoutMs: 400,
    });
    const long = coordinator.createJob({ prompt: "long", assigned_to: name });
    let abortedAt = 0;
    const running = worker.run(
      (_job: Job, ctx) =>
        new Promise<string>((_, reject) => {
          ctx.signal.addEventListener("abort", () => {
            abortedAt = Date.now();
            reject(ctx.signal.reason);
          });
        }),
      { handleSignals: false },
    );
    await coordinator.waitFor(long.id, "running");
    // The next claim stalls on every attempt: the loop is stuck in it for 3 x 400 ms.
    const stall = coordinator.faults.add({ route: "claim", kind: "stall", times: 3 });
    const next = coordinator.createJob({ prompt: "next", assigned_to: name });
    await expect.poll(() => stall.hits).toBe(1);
    const stoppedAt = Date.now();
    await worker.stop();
    await running;
    // Aborted when the grace period ran out counting from stop(), or as soon as the loop was free after it.
    expect(abortedAt - stoppedAt).toBeGreaterThanOrEqual(990);
    expect(abortedAt - stoppedAt).toBeLessThan(1_900);
    expect(coordinator.job(long.id)).toMatchObject({ status: "failed" });
    expect(coordinator.job(long.id).result).toContain(SHUTDOWN_RESULT);
    expect(coordinator.job(next.id).status).toBe("pending");
  });
});
