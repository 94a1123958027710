// The loop's parts through their narrow worker interface: an in-memory LoopWorker, no HTTP.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConnectionError, type Job, type JobId, type Logger } from "../src/index.js";
import { JobLedger } from "../src/run-loop/ledger.js";
import { RunLoop } from "../src/run-loop/loop.js";
import type { CompletionStatus, LoopWorker, RunOptions } from "../src/run-loop/types.js";
import type { EmitEvent, WorkerEventName, WorkerEvents } from "../src/worker-events.js";
import { deferred } from "./support/msw.js";

const waitFor = <T>(check: () => T, timeout = 5_000) => vi.waitFor(check, { timeout, interval: 5 });
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const settings = { concurrency: 2, pollIntervalMs: 10, heartbeatIntervalMs: 1_000, shutdownGraceMs: 200, tags: [] };

/** A coordinator in memory, reached through the loop's worker interface. */
function memoryWorker(handler: (job: Job, signal: AbortSignal) => unknown) {
  const jobs = new Map<string, Job>();
  const completions: Array<{ id: JobId; result: string; status: CompletionStatus }> = [];
  const worker: LoopWorker & { completeHook?: (id: JobId, signal?: AbortSignal) => Promise<void> | undefined } = {
    name: "mem",
    url: "memory://",
    logger: silent,
    inbox: async (status) => [...jobs.values()].filter((job) => job.status === status).map((job) => ({ ...job })),
    inboxRoute: { method: "GET", path: "/my-jobs" },
    claim: async (id) => {
      const job = jobs.get(String(id)) as Job;
      job.status = "running";
      return { ...job };
    },
    complete: async (id, result, status, options) => {
      await worker.completeHook?.(id, options.signal);
      completions.push({ id, result, status });
      (jobs.get(String(id)) as Job).status = status;
      return {};
    },
    heartbeat: async () => ({}),
    handle: (job, abort) => handler(job, abort.signal),
  };
  const add = (id: number) => jobs.set(String(id), { id, prompt: `p${id}`, status: "pending" });
  return { worker, completions, add };
}

function record(): { emit: EmitEvent; seen: Array<{ event: WorkerEventName; payload: unknown }> } {
  const seen: Array<{ event: WorkerEventName; payload: unknown }> = [];
  const emit = <K extends WorkerEventName>(event: K, payload: WorkerEvents[K]) => void seen.push({ event, payload });
  return { emit, seen };
}

const loops: RunLoop[] = [];
afterEach(async () => {
  await Promise.all(loops.splice(0).map((loop) => loop.stop()));
  vi.restoreAllMocks();
});

function startLoop(worker: LoopWorker, emit: EmitEvent, options: RunOptions = {}) {
  const loop = new RunLoop(worker, settings, { handleSignals: false, ...options }, emit);
  loops.push(loop);
  const done = loop.run();
  return { loop, done };
}

describe("cancelling a running job", () => {
  it("aborts its signal with the reason, ends it cancelled (one terminal event), drops its result, calls no onError", async () => {
    const returned = deferred<string>();
    let signal: AbortSignal | undefined;
    const { worker, completions, add } = memoryWorker(async (_job, s) => {
      signal = s;
      return returned.promise;
    });
    const { emit, seen } = record();
    const onError = vi.fn();
    const { loop } = startLoop(worker, emit, { onError });
    add(1);
    await waitFor(() => expect(signal).toBeDefined());
    expect(loop.cancel(2, new Error("no such job here"))).toBe(false);
    const reason = new Error("cancelled on the coordinator");
    expect(loop.cancel(1, reason)).toBe(true);
    expect(loop.cancel(1, reason)).toBe(false); // once is enough
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(reason);
    // The slot stays held until the handler returns.
    expect(loop.status(false).jobs).toEqual([{ id: 1, phase: "cancelling", since: expect.any(Number) }]);
    returned.resolve("too late");
    await waitFor(() => expect(loop.status(false).jobs).toEqual([]));
    const ofJob = seen.filter((s) => (s.payload as { job?: Job }).job?.id === 1);
    expect(ofJob.map((s) => s.event)).toEqual(["job:claimed", "job:started", "job:cancelled"]);
    expect(ofJob[2]?.payload).toMatchObject({ reason, durationMs: expect.any(Number) });
    expect(completions).toEqual([]);
    expect(onError).not.toHaveBeenCalled();
    expect(loop.status(false).counts).toEqual({ claimed: 1, completed: 0, failed: 0, cancelled: 1 });
  });
});

describe("the outbox", () => {
  it("a kept result whose retry hangs does not stall claiming: later jobs are claimed, run and delivered", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const { worker, completions, add } = memoryWorker((job) => `r${job.id}`);
    let attempts = 0;
    // Hangs until its signal aborts, as a call through the HTTP core does.
    const hang = (signal?: AbortSignal) =>
      new Promise<void>((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));
    // Job 1's first attempt fails, its retry hangs, the stop's last flush delivers it.
    worker.completeHook = (id, signal) => {
      if (id !== 1) return undefined;
      attempts++;
      if (attempts === 1) {
        return Promise.reject(new ConnectionError("no answer", { method: "POST", path: "/api/jobs/1/complete" }));
      }
      return attempts === 2 ? hang(signal) : undefined;
    };
    const { emit, seen } = record();
    const { loop } = startLoop(worker, emit);
    add(1);
    await waitFor(() => expect(loop.status(false).jobs.map((j) => j.phase)).toEqual(["undelivered"]));
    // The retry is due after a second; once it hangs, new work still flows.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    add(2);
    add(3);
    await waitFor(() => expect(completions.map((c) => c.id).sort()).toEqual([2, 3]));
    expect(seen.filter((s) => s.event === "job:delivered").length).toBe(2);
    await loop.stop();
    expect(completions.map((c) => c.id).sort()).toEqual([1, 2, 3]);
    expect(attempts).toBe(3);
  });
});

describe("the job ledger", () => {
  const job = (id: number, status = "pending"): Job => ({ id, prompt: "", status });

  it("counts the slots of claiming, running, delivering and cancelling jobs, not of undelivered ones", () => {
    const ledger = new JobLedger();
    const a = ledger.add(job(1), "claiming");
    const b = ledger.add(job(2), "running");
    expect(ledger.slotsHeld).toBe(2);
    ledger.move(b, "delivering");
    expect(ledger.slotsHeld).toBe(2);
    ledger.move(b, "undelivered");
    expect(ledger.slotsHeld).toBe(1);
    ledger.release(a);
    expect(ledger.slotsHeld).toBe(0);
    ledger.finish(b);
    ledger.finish(b); // twice is once
    expect(ledger.slotsHeld).toBe(0);
    expect(ledger.snapshot().jobs).toEqual([]);
  });

  it("answers the loop's questions: busy, known (finished lately), claimable", () => {
    const ledger = new JobLedger();
    const a = ledger.add(job(1), "running");
    expect(ledger.isBusyWith(1)).toBe(true);
    expect(ledger.isClaimable(job(1))).toBe(false);
    ledger.finish(a);
    expect(ledger.isBusyWith(1)).toBe(false);
    expect(ledger.isKnown(1)).toBe(true);
    // Finished lately and pending again: requeued, so claimable; in another state: not.
    expect(ledger.isClaimable(job(1, "pending"))).toBe(true);
    expect(ledger.isClaimable(job(1, "running"))).toBe(false);
    ledger.refuse(3);
    expect(ledger.isClaimable(job(3))).toBe(false);
    ledger.forgetRefusals();
    expect(ledger.isClaimable(job(3))).toBe(true);
  });

  it("remembers at least the last 1,000 finished jobs and at most 2,000, dropping the oldest", () => {
    const ledger = new JobLedger();
    for (let id = 0; id < 2_000; id++) ledger.finish(ledger.add(job(id), "running"));
    expect(ledger.isKnown(0)).toBe(true);
    ledger.finish(ledger.add(job(2_000), "running"));
    expect(ledger.isKnown(0)).toBe(false);
    expect(ledger.isKnown(999)).toBe(false);
    for (const id of [1_000, 1_500, 2_000]) expect(ledger.isKnown(id)).toBe(true);
  });

  it("snapshots plain data: jobs with phase and since, undelivered count, counts", () => {
    const ledger = new JobLedger();
    ledger.add(job(1), "claiming");
    ledger.move(ledger.add(job(2), "running"), "undelivered");
    ledger.count("claimed");
    ledger.count("failed");
    const snapshot = ledger.snapshot();
    expect(snapshot).toEqual({
      jobs: [
        { id: 1, phase: "claiming", since: expect.any(Number) },
        { id: 2, phase: "undelivered", since: expect.any(Number) },
      ],
      undelivered: 1,
      counts: { claimed: 1, completed: 0, failed: 1, cancelled: 0 },
    });
    expect(structuredClone(snapshot)).toEqual(snapshot);
  });
});
