/**
 * Cancellation in the run loop against the msw fake coordinator: the running
 * list is asked only while jobs are in flight; a handler that ignores its
 * signal holds its slot and is warned about; a paused worker waits quietly
 * with one claim a round; a 409 on a result is a dropped result, not a failure.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { type Job, JobCancelledError, type JobContext } from "../src/index.js";
import { IGNORED_CANCEL_WARN_MS } from "../src/run-loop/executor.js";
import { startWorker, stopWorkersAfterEach } from "./support/loop.js";
import { deferred, FakeCoordinator, json, loggedText, setupMockServer } from "./support/msw.js";

const mock = setupMockServer();
stopWorkersAfterEach();

let fake: FakeCoordinator;
beforeEach(() => {
  fake = new FakeCoordinator(mock).install();
});

const runningLists = () => fake.inboxCalls.filter((r) => r.query.status === "running").length;
const useFakeTimers = () =>
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });

describe("the running-list check", () => {
  it("is not asked while idle, and at most once per poll interval while a job runs", async () => {
    useFakeTimers();
    const release = deferred();
    startWorker(() => release.promise, { pollIntervalMs: 1_000, heartbeatIntervalMs: 60_000 });
    await vi.advanceTimersByTimeAsync(0);
    // At start, one running list looks for orphans; then nothing while idle.
    expect(runningLists()).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runningLists()).toBe(1);

    fake.add();
    await vi.advanceTimersByTimeAsync(1_000); // the next poll claims it
    expect(fake.running).toBe(1);
    const before = runningLists();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runningLists() - before).toBeGreaterThanOrEqual(4);
    expect(runningLists() - before).toBeLessThanOrEqual(5);
    release.resolve();
    await vi.advanceTimersByTimeAsync(0);
    const after = runningLists();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runningLists()).toBe(after);
  });
});

describe("a handler that ignores its signal", () => {
  it("its job is settled cancelled at once; it holds its slot until it returns, warned about; its result is dropped", async () => {
    useFakeTimers();
    const stubborn = fake.add();
    const next = fake.add();
    const returned = deferred();
    const reasons: unknown[] = [];
    const cancelled: Array<Job["id"]> = [];
    const { worker, logger } = startWorker(
      async (job: Job, ctx: JobContext) => {
        if (job.id !== stubborn.id) return "next done";
        ctx.signal.addEventListener("abort", () => reasons.push(ctx.signal.reason));
        await returned.promise; // ignores the signal
        return "stubborn result";
      },
      { pollIntervalMs: 1_000, heartbeatIntervalMs: 60_000 },
    );
    worker.on("job:cancelled", ({ job }) => cancelled.push(job.id));
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.jobs.get(String(stubborn.id))?.status).toBe("running");

    (fake.jobs.get(String(stubborn.id)) as { status: string }).status = "cancelled";
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(JobCancelledError);
    expect(cancelled).toEqual([stubborn.id]);
    expect(worker.status().jobs).toEqual([expect.objectContaining({ id: stubborn.id, phase: "cancelling" })]);

    // The slot stays held: the next job is not claimed while the handler runs on.
    await vi.advanceTimersByTimeAsync(IGNORED_CANCEL_WARN_MS - 100);
    expect(fake.claims.map((r) => r.path)).toEqual([`/api/jobs/${stubborn.id}/claim`]);
    expect(logger.warn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(200);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]?.[0]).toBe(
      `job ${stubborn.id} was cancelled ${IGNORED_CANCEL_WARN_MS / 1000} s ago and its handler has not returned: it holds one of the 1 slots until it does; pass ctx.signal on to what the handler awaits`,
    );

    returned.resolve();
    await vi.advanceTimersByTimeAsync(1_100);
    expect(fake.completionsOf(next.id)).toHaveLength(1);
    expect(fake.completionsOf(stubborn.id)).toEqual([]);
    expect(worker.status().counts).toMatchObject({ cancelled: 1, completed: 1, failed: 0 });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it("a handler that returns soon after the abort gets no warning", async () => {
    useFakeTimers();
    const job = fake.add();
    const { logger } = startWorker(
      async (_job: Job, ctx: JobContext) => {
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
      },
      { pollIntervalMs: 1_000, heartbeatIntervalMs: 60_000 },
    );
    await vi.advanceTimersByTimeAsync(0);
    (fake.jobs.get(String(job.id)) as { status: string }).status = "cancelled";
    await vi.advanceTimersByTimeAsync(IGNORED_CANCEL_WARN_MS * 2);
    expect(logger.warn).not.toHaveBeenCalled();
    expect(fake.completionsOf(job.id)).toEqual([]);
  });
});

describe("a result refused with 409 at its first attempt", () => {
  it("is dropped with an info line that says what became of the job, without the result; no onError", async () => {
    const job = fake.add();
    const onError = vi.fn();
    fake.before.complete = ({ id }) => {
      // Requeued and taken by another worker while the handler ran.
      const record = fake.jobs.get(id as string) as { status: string; assigned_to: string };
      Object.assign(record, { status: "running", assigned_to: "other-worker" });
      return json({ error: "claimed by other-worker" }, { status: 409 });
    };
    const { logger, worker } = startWorker(() => "THE RESULT TEXT", { pollIntervalMs: 60_000 }, { onError });
    const given = deferred<unknown>();
    worker.on("job:delivery-given-up", ({ error }) => given.resolve(error));
    expect(await given.promise).toMatchObject({ jobId: job.id, seen: "reassigned", status: 409, method: "POST" });
    expect(logger.info).toHaveBeenCalledWith(
      `job ${job.id} is no longer running in this worker's name on the coordinator: another worker has it, or it finished elsewhere; its result was dropped`,
    );
    expect(loggedText(logger)).not.toContain("THE RESULT TEXT");
    expect(logger.error).not.toHaveBeenCalled();
    expect(onError).not.toHaveBeenCalled();
  });
});

describe("paused by the coordinator", () => {
  it("waits quietly with one claim a round, keeps heartbeating, and resumes by itself", async () => {
    useFakeTimers();
    let paused = true;
    fake.before.claim = () => (paused ? json({ error: "worker is paused" }, { status: 409 }) : undefined);
    const jobs = fake.addMany(3);
    const { worker, logger } = startWorker(() => "ok", { pollIntervalMs: 1_000, heartbeatIntervalMs: 500 });
    const events: string[] = [];
    worker.on("worker:paused", () => events.push("paused"));
    worker.on("worker:resumed", ({ pausedMs }) => events.push(`resumed after ${pausedMs} ms`));
    await vi.advanceTimersByTimeAsync(0);
    expect(worker.status().paused).toBe(true);
    const pendingLists = () => fake.inboxCalls.filter((r) => r.query.status === "pending").length;
    const claimsAtPause = mock.to("POST", "/api/jobs/").length;
    const listsAtPause = pendingLists();
    const heartbeatsAtPause = fake.heartbeats.length;
    await vi.advanceTimersByTimeAsync(10_000);
    // One round a poll interval: one pending list and one claim.
    const claims = mock.to("POST", "/api/jobs/").length - claimsAtPause;
    expect(claims).toBeGreaterThanOrEqual(9);
    expect(claims).toBeLessThanOrEqual(11);
    expect(pendingLists() - listsAtPause).toBe(claims);
    expect(fake.heartbeats.length - heartbeatsAtPause).toBeGreaterThanOrEqual(19);
    const pausedLines = logger.info.mock.calls.filter(([line]) => line.startsWith("paused by the coordinator"));
    expect(pausedLines).toEqual([
      [
        "paused by the coordinator (it refuses this worker's claims while jobs wait for it): waiting, with heartbeats going on, and trying one claim every 1000 ms",
      ],
    ]);
    expect(logger.warn).not.toHaveBeenCalled();

    paused = false;
    // The round's one claim is accepted, and the other jobs are claimed at once, in the same round.
    await vi.advanceTimersByTimeAsync(1_000);
    for (const job of jobs) expect(fake.completionsOf(job.id)).toHaveLength(1);
    expect(worker.status().paused).toBe(false);
    expect(logger.info).toHaveBeenCalledWith("claims are accepted again: the coordinator resumed this worker");
    expect(events).toEqual(["paused", expect.stringMatching(/^resumed after \d+ ms$/)]);
  });

  it("a job refused as taken while the others are claimable is no pause", async () => {
    const taken = fake.add();
    fake.before.claim = ({ id }) => (id === String(taken.id) ? json({ error: "taken" }, { status: 409 }) : undefined);
    const { worker, logger } = startWorker(() => "ok");
    const later = fake.add();
    await vi.waitFor(() => expect(fake.completionsOf(later.id)).toHaveLength(1), { timeout: 5_000, interval: 5 });
    // Even if one round took it for a pause, the probes go round and the other jobs are claimed.
    const another = fake.add();
    await vi.waitFor(() => expect(fake.completionsOf(another.id)).toHaveLength(1), { timeout: 5_000, interval: 5 });
    expect(logger.warn).not.toHaveBeenCalled();
    expect(worker.status().counts.completed).toBe(2);
  });
});
