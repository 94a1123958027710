// End to end: the coordinator's word reaches a running handler (cancel, killswitch, pause),
// the real Worker and ModelReins client against the local coordinator over real HTTP on loopback.
import { type Job, JobCancelledError, type JobContext, type Logger, ModelReins, Worker } from "modelreins-worker";
import { type Coordinator, createCoordinator, type Listener } from "modelreins-worker/testing";
import { afterEach, beforeEach, describe, expect, test } from "vitest";

/** Short, so a test waits little; the bound under test is pollIntervalMs + 2 s. */
const POLL_MS = 200;

let coordinator: Coordinator;
let listener: Listener;
let admin: ModelReins;
const workers: Worker[] = [];

beforeEach(async () => {
  coordinator = createCoordinator();
  listener = await coordinator.listen({ port: 0 });
  admin = new ModelReins({ url: listener.url, token: coordinator.adminToken, logLevel: "silent" });
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await listener.close();
});

interface Lines {
  logger: Logger;
  /** `level message` for every line. */
  lines: string[];
  at(level: string): string[];
}

function recording(): Lines {
  const lines: string[] = [];
  const keep = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
  };
  return {
    logger: { debug: keep("debug"), info: keep("info"), warn: keep("warn"), error: keep("error") },
    lines,
    at: (level) => lines.filter((line) => line.startsWith(`${level} `)).map((line) => line.slice(level.length + 1)),
  };
}

function newWorker(name: string, options: ConstructorParameters<typeof Worker>[0] = {}): Worker {
  const worker = new Worker({
    url: listener.url,
    token: coordinator.workerToken,
    name,
    pollIntervalMs: POLL_MS,
    heartbeatIntervalMs: 100,
    logLevel: "silent",
    ...options,
  });
  workers.push(worker);
  return worker;
}

/** Resolves with the abort reason once `signal` aborts. */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener("abort", () => resolve(signal.reason), { once: true });
  });
}

/** A handler that works until its signal aborts, then throws the reason, recording what it saw. */
function untilAborted(seen: Map<Job["id"], { reason: unknown; at: number }>) {
  return async (job: Job, ctx: JobContext) => {
    const reason = await aborted(ctx.signal);
    seen.set(job.id, { reason, at: performance.now() });
    throw reason;
  };
}

describe("cancellation reaches the handler", () => {
  test("an admin cancel aborts the handler's signal within pollIntervalMs + 2 s; the same run() then finishes the next job", async () => {
    const log = recording();
    const worker = newWorker("cancel-bot", { logger: log.logger });
    const onErrorCalls: unknown[] = [];
    const events: string[] = [];
    worker.on("job:cancelled", ({ job }) => events.push(`cancelled ${job.id}`));
    worker.on("job:failed", ({ job }) => events.push(`failed ${job.id}`));
    worker.on("job:completed", ({ job }) => events.push(`completed ${job.id}`));
    const seen = new Map<Job["id"], { reason: unknown; at: number }>();
    const long = coordinator.createJob({ prompt: "long", assigned_to: "cancel-bot" });
    const running = worker.run(
      (job, ctx) => (job.prompt === "long" ? untilAborted(seen)(job, ctx) : `finished ${job.prompt}`),
      { onError: (_job, error) => onErrorCalls.push(error) },
    );
    await coordinator.waitFor(long.id, "running");

    const cancelledAt = performance.now();
    await admin.jobs.cancel(long.id, { reason: "not needed any more" });
    await expect.poll(() => seen.has(long.id), { timeout: POLL_MS + 2_000, interval: 10 }).toBe(true);
    const { reason, at } = seen.get(long.id) as { reason: unknown; at: number };
    expect(at - cancelledAt).toBeLessThan(POLL_MS + 2_000);
    expect(reason).toBeInstanceOf(JobCancelledError);
    expect(reason).toMatchObject({ jobId: long.id, seen: "cancelled", reason: "not needed any more" });
    expect((reason as Error).message).toBe(`job ${long.id} was cancelled on the coordinator (not needed any more)`);

    const next = coordinator.createJob({ prompt: "next", assigned_to: "cancel-bot" });
    expect((await coordinator.waitFor(next.id, "done")).result).toBe("finished next");
    expect(coordinator.job(long.id)).toMatchObject({ status: "cancelled", result: null });
    expect(coordinator.completions(long.id)).toBe(0);
    expect(events).toEqual([`cancelled ${long.id}`, `completed ${next.id}`]);
    expect(onErrorCalls).toEqual([]);
    expect(worker.status().counts).toMatchObject({ cancelled: 1, failed: 0, completed: 1 });
    expect(log.at("error")).toEqual([]);
    expect(log.at("warn")).toEqual([]);
    expect(log.at("info")).toContainEqual(
      expect.stringMatching(
        new RegExp(`^job ${long.id} cancelled after \\d+\\.\\d\\d s: job ${long.id} was cancelled`),
      ),
    );
    await worker.stop();
    await running;
  });

  test("a result sent for a job cancelled meanwhile, refused with 409, is dropped at info, without its text", async () => {
    const log = recording();
    // A poll interval longer than the test: the check never runs, the result goes out and meets the 409.
    const worker = newWorker("late-bot", { logger: log.logger, pollIntervalMs: 60_000 });
    const onErrorCalls: unknown[] = [];
    const job = coordinator.createJob({ prompt: "quick", assigned_to: "late-bot" });
    void worker.run(
      async (j) => {
        await admin.jobs.cancel(j.id);
        return "SECRET RESULT TEXT";
      },
      { onError: (_job, error) => onErrorCalls.push(error) },
    );
    const given = new Promise<unknown>((resolve) =>
      worker.once("job:delivery-given-up", ({ error }) => resolve(error)),
    );
    expect(await given).toMatchObject({ name: "JobCancelledError", jobId: job.id, seen: "cancelled", status: 409 });
    // The coordinator's reason (the local one records "by an admin") is part of what was seen.
    expect(log.at("info")).toContain(
      `job ${job.id} was cancelled on the coordinator (by an admin); its result was dropped`,
    );
    expect(log.lines.join("\n")).not.toContain("SECRET RESULT TEXT");
    expect(log.at("error")).toEqual([]);
    expect(onErrorCalls).toEqual([]);
    expect(coordinator.job(job.id)).toMatchObject({ status: "cancelled", result: null });
  });

  test("a job claimed after the running list was asked for is not taken as gone (the order forced)", async () => {
    // The worker's fetch holds the answer of one running list until a claim sent after it is answered.
    let arm: ((claimedId: string) => void) | undefined;
    const held: { list?: Promise<void>; release?: () => void } = {};
    const order: string[] = [];
    const fetchInOrder: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      const isRunningList = url.pathname === "/my-jobs" && url.searchParams.get("status") === "running";
      if (isRunningList && arm !== undefined && held.list === undefined) {
        held.list = new Promise((resolve) => {
          held.release = resolve;
        });
        const response = await fetch(request); // read by the coordinator now: the new job is not running yet
        order.push("running list read");
        await held.list;
        order.push("running list answered");
        return response;
      }
      const response = await fetch(request);
      const claimed = /^\/api\/jobs\/(\d+)\/claim$/.exec(url.pathname)?.[1];
      if (claimed !== undefined && held.release !== undefined && response.ok) {
        order.push(`claim ${claimed} answered`);
        arm?.(claimed);
      }
      return response;
    };
    const worker = newWorker("race-bot", { concurrency: 2, fetch: fetchInOrder });
    const first = coordinator.createJob({ prompt: "first", assigned_to: "race-bot" });
    const aborts: Array<Job["id"]> = [];
    let releaseJobs!: () => void;
    const jobsMayEnd = new Promise<void>((resolve) => {
      releaseJobs = resolve;
    });
    void worker.run(async (job, ctx) => {
      ctx.signal.addEventListener("abort", () => aborts.push(job.id));
      await jobsMayEnd;
      return `done ${job.prompt}`;
    });
    await coordinator.waitFor(first.id, "running");

    // Arm: the next running list is held; the job created now is claimed while it is held.
    let second: { id: number } | undefined;
    const claimedWhileHeld = new Promise<void>((resolve) => {
      arm = (id) => {
        if (second !== undefined && id === String(second.id)) {
          // The list was read before this claim; it reaches the worker after the claim's answer.
          setTimeout(() => held.release?.(), 20);
          resolve();
        }
      };
    });
    await expect.poll(() => held.list !== undefined, { timeout: POLL_MS * 5, interval: 5 }).toBe(true);
    second = coordinator.createJob({ prompt: "second", assigned_to: "race-bot" });
    await claimedWhileHeld;
    await expect.poll(() => order.includes("running list answered"), { timeout: 2_000, interval: 5 }).toBe(true);
    expect(order).toEqual(["running list read", `claim ${second.id} answered`, "running list answered"]);
    // A few more checks see the job listed: still nothing aborted.
    await new Promise((resolve) => setTimeout(resolve, POLL_MS * 3));
    releaseJobs();
    expect((await coordinator.waitFor(second.id, "done")).result).toBe("done second");
    expect((await coordinator.waitFor(first.id, "done")).result).toBe("done first");
    expect(aborts).toEqual([]);
  });
});

describe("a job requeued by the coordinator", () => {
  test("aborts its handler, saying it was requeued; the same run() claims it again and finishes it", async () => {
    // The coordinator's clock jumps past requeueAfterMs: to it, the worker went silent.
    let skew = 0;
    const clocked = createCoordinator({ now: () => Date.now() + skew, requeueAfterMs: 60_000 });
    const served = await clocked.listen({ port: 0 });
    try {
      const worker = newWorker("requeue-bot", { url: served.url, token: clocked.workerToken });
      const job = clocked.createJob({ prompt: "twice", assigned_to: "requeue-bot" });
      const reasons: unknown[] = [];
      let runs = 0;
      void worker.run(async (_job, ctx) => {
        if (++runs > 1) return "second run";
        reasons.push(await aborted(ctx.signal));
        throw reasons[0];
      });
      await clocked.waitFor(job.id, "running");
      skew = 61_000;
      expect((await clocked.waitFor(job.id, "done", { timeoutMs: 5_000 })).result).toBe("second run");
      expect(reasons).toEqual([
        expect.objectContaining({ name: "JobCancelledError", jobId: job.id, seen: "requeued" }),
      ]);
      expect((reasons[0] as Error).message).toBe(
        `job ${job.id} was requeued on the coordinator: it is pending again, no longer this worker's`,
      );
      expect(clocked.job(job.id).requeues).toBe(1);
      expect(clocked.completions(job.id)).toBe(1);
      await worker.stop();
    } finally {
      await served.close();
      await clocked.close();
    }
  });
});

describe("killswitch and pause", () => {
  test("the killswitch aborts both jobs in flight; queued jobs wait unclaimed; clear with resume_all and the same run() finishes them", async () => {
    const log = recording();
    const worker = newWorker("ks-bot", { concurrency: 2, logger: log.logger });
    const seen = new Map<Job["id"], { reason: unknown; at: number }>();
    const a = coordinator.createJob({ prompt: "a", assigned_to: "ks-bot" });
    const b = coordinator.createJob({ prompt: "b", assigned_to: "ks-bot" });
    const running = worker.run((job, ctx) =>
      job.prompt.startsWith("queued") ? `finished ${job.prompt}` : untilAborted(seen)(job, ctx),
    );
    await coordinator.waitFor(a.id, "running");
    await coordinator.waitFor(b.id, "running");

    await admin.killswitch.activate({ level: 4, reason: "leaked key" });
    await expect.poll(() => seen.size, { timeout: POLL_MS + 2_000, interval: 10 }).toBe(2);
    for (const id of [a.id, b.id]) {
      expect(seen.get(id)?.reason).toMatchObject({ jobId: id, seen: "cancelled", reason: "killswitch: leaked key" });
      expect(coordinator.job(id).status).toBe("cancelled");
    }

    const queued = [1, 2, 3].map((n) => coordinator.createJob({ prompt: `queued ${n}`, assigned_to: "ks-bot" }));
    await expect.poll(() => worker.status().paused, { timeout: 5_000, interval: 10 }).toBe(true);
    const heartbeatsBefore = coordinator.requests.filter((r) => r.route === "heartbeat").length;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS * 4));
    for (const job of queued) expect(coordinator.job(job.id).status).toBe("pending");
    // Paused, it keeps heartbeating and says so once.
    expect(coordinator.requests.filter((r) => r.route === "heartbeat").length).toBeGreaterThan(heartbeatsBefore);
    expect(log.at("info").filter((line) => line.startsWith("paused by the coordinator"))).toHaveLength(1);
    // Quietly: at most one claim a poll interval while paused.
    const claimsWhilePaused = coordinator.requests.filter(
      (r) => r.route === "claim" && r.time > Date.now() - POLL_MS * 4,
    ).length;
    expect(claimsWhilePaused).toBeLessThanOrEqual(5);

    // A clear without resume_all leaves the worker paused.
    await admin.killswitch.clear();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS * 3));
    for (const job of queued) expect(coordinator.job(job.id).status).toBe("pending");
    expect(worker.status().paused).toBe(true);

    await admin.killswitch.clear({ resume_all: true });
    for (const job of queued) {
      expect((await coordinator.waitFor(job.id, "done", { timeoutMs: 10_000 })).result).toBe(`finished ${job.prompt}`);
    }
    expect(worker.status()).toMatchObject({ state: "running", paused: false });
    expect(worker.status().counts).toMatchObject({ cancelled: 2, completed: 3, failed: 0 });
    expect(log.at("info")).toContainEqual(expect.stringMatching(/^claims are accepted again/));
    expect(log.at("error")).toEqual([]);
    await worker.stop();
    await running;
  });

  test("paused by an admin, the worker waits with its heartbeats going, and resumes by itself", async () => {
    const log = recording();
    const worker = newWorker("pause-bot", { logger: log.logger });
    void worker.run((job) => `finished ${job.prompt}`);
    await expect.poll(() => coordinator.presence().some((p) => p.instance === "pause-bot")).toBe(true);
    await admin.workers.pause("pause-bot");
    const job = coordinator.createJob({ prompt: "waiting", assigned_to: "pause-bot" });
    await expect.poll(() => worker.status().paused, { timeout: 5_000, interval: 10 }).toBe(true);
    const lastSeen = coordinator.presence().find((p) => p.instance === "pause-bot")?.last_seen;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS * 2));
    expect(coordinator.presence().find((p) => p.instance === "pause-bot")?.last_seen).not.toBe(lastSeen);
    expect(coordinator.job(job.id).status).toBe("pending");

    await admin.workers.resume("pause-bot");
    expect((await coordinator.waitFor(job.id, "done", { timeoutMs: 10_000 })).result).toBe("finished waiting");
    expect(worker.status().paused).toBe(false);
    expect(log.at("warn")).toEqual([]);
    expect(log.at("error")).toEqual([]);
  });
});
