import { HttpResponse } from "msw";
import { describe, expect, it, vi } from "vitest";
import {
  type Job,
  SHUTDOWN_RESULT,
  type Worker,
  type WorkerEventName,
  type WorkerEvents,
  type WorkerOptions,
} from "../src/index.js";
import { WORKER_EVENT_NAMES } from "../src/worker-events.js";
import { makeWorker, mockedCoordinatorSuite, waitFor } from "./support/loop.js";
import { deferred, delay, json } from "./support/msw.js";

const suite = mockedCoordinatorSuite();

interface Seen {
  event: WorkerEventName;
  payload: WorkerEvents[WorkerEventName];
}

/** Records every event the worker emits, in order. */
function recordEvents(worker: Worker): Seen[] {
  const seen: Seen[] = [];
  for (const event of WORKER_EVENT_NAMES) worker.on(event, (payload) => void seen.push({ event, payload }));
  return seen;
}

/** The names of one job's events, in order. */
function eventsOf(seen: Seen[], id: number | string): string[] {
  return seen.filter((s) => (s.payload as { job?: Job }).job?.id === id).map((s) => s.event);
}

function start(handler: (job: Job, ctx: { signal: AbortSignal }) => unknown, options: WorkerOptions = {}) {
  const { worker, logger } = makeWorker(options);
  const seen = recordEvents(worker);
  const done = worker.run(handler, { handleSignals: false });
  done.catch(() => {});
  return { worker, logger, seen, done };
}

describe("one job's events", () => {
  it("a job that completes: claimed, started, completed, delivered; the worker's own events around it", async () => {
    const job = suite.fake.add();
    const { worker, seen, done } = start(() => "ok");
    let phaseAtClaimed: string[] = [];
    worker.once("job:claimed", () => {
      phaseAtClaimed = worker.status().jobs.map((j) => j.phase);
    });
    await waitFor(() => expect(eventsOf(seen, job.id)).toContain("job:delivered"));
    await worker.stop();
    await done;
    expect(eventsOf(seen, job.id)).toEqual(["job:claimed", "job:started", "job:completed", "job:delivered"]);
    const byName = (name: WorkerEventName) => seen.find((s) => s.event === name)?.payload;
    expect(byName("job:claimed")).toEqual({ job: expect.objectContaining({ id: job.id }), adopted: false });
    expect(phaseAtClaimed).toEqual(["running"]);
    expect(byName("job:completed")).toEqual({
      job: expect.objectContaining({ id: job.id }),
      result: "ok",
      durationMs: expect.any(Number),
    });
    expect(byName("job:delivered")).toMatchObject({ status: "done", attempts: 1 });
    const names = seen.map((s) => s.event);
    expect(names[0]).toBe("worker:started");
    expect(names).toContain("heartbeat:sent");
    expect(names).toContain("inbox:polled");
    expect(names.slice(-3)).toEqual(["worker:stopping", "heartbeat:sent", "worker:stopped"]);
    expect(byName("worker:stopping")).toEqual({ reason: "stop", signal: undefined });
    expect(byName("worker:stopped")).toEqual({ reason: "stop" });
    expect(seen.filter((s) => s.event === "heartbeat:sent").at(-1)?.payload).toEqual({
      status: "offline",
      inFlight: 0,
    });
  });

  it("a job that fails: claimed, started, failed (with the error), delivered as failed", async () => {
    const job = suite.fake.add();
    const { seen } = start(() => {
      throw new Error("oops");
    });
    await waitFor(() => expect(eventsOf(seen, job.id)).toContain("job:delivered"));
    expect(eventsOf(seen, job.id)).toEqual(["job:claimed", "job:started", "job:failed", "job:delivered"]);
    const failed = seen.find((s) => s.event === "job:failed")?.payload as WorkerEvents["job:failed"];
    expect((failed.error as Error).message).toBe("oops");
    expect(failed.durationMs).toBeGreaterThanOrEqual(0);
    expect(seen.find((s) => s.event === "job:delivered")?.payload).toMatchObject({ status: "failed" });
  });

  it("a job whose result is kept and retried: the retry is an event, then delivered on the second attempt", async () => {
    let refusals = 1;
    suite.fake.before.complete = () => (refusals-- > 0 ? json({ error: "busy" }, { status: 503 }) : undefined);
    vi.spyOn(Math, "random").mockReturnValue(0);
    const job = suite.fake.add();
    const { seen, worker } = start(() => "kept", { maxRetries: 0 });
    await waitFor(() => expect(eventsOf(seen, job.id)).toContain("job:delivery-retrying"));
    expect(worker.status().jobs).toEqual([{ id: job.id, phase: "undelivered", since: expect.any(Number) }]);
    expect(worker.status().undelivered).toBe(1);
    await waitFor(() => expect(eventsOf(seen, job.id)).toContain("job:delivered"), 5_000);
    expect(eventsOf(seen, job.id)).toEqual([
      "job:claimed",
      "job:started",
      "job:completed",
      "job:delivery-retrying",
      "job:delivered",
    ]);
    const retrying = seen.find((s) => s.event === "job:delivery-retrying")?.payload;
    expect(retrying).toMatchObject({ attempt: 1, nextAttemptAt: expect.any(Number) });
    expect(seen.find((s) => s.event === "job:delivered")?.payload).toMatchObject({ attempts: 2 });
    expect(suite.fake.completionsOf(job.id)).toEqual([expect.objectContaining({ status: "done", result: "kept" })]);
  });

  it("a job cut short by a stop: failed with the shutdown reason, delivered, between stopping and stopped", async () => {
    const job = suite.fake.add();
    const started = deferred();
    const { worker, seen, done } = start(
      async () => {
        started.resolve();
        await new Promise(() => {}); // ignores its signal
      },
      { shutdownGraceMs: 20 },
    );
    await started.promise;
    await worker.stop();
    await done;
    const order = seen
      .filter((s) => s.event.startsWith("worker:stop") || (s.payload as { job?: Job }).job?.id === job.id)
      .map((s) => s.event);
    expect(order).toEqual([
      "job:claimed",
      "job:started",
      "worker:stopping",
      "job:failed",
      "job:delivered",
      "worker:stopped",
    ]);
    const failed = seen.find((s) => s.event === "job:failed")?.payload as WorkerEvents["job:failed"];
    expect((failed.error as Error).message).toBe(SHUTDOWN_RESULT);
    expect(suite.fake.completionsOf(job.id)).toEqual([
      expect.objectContaining({ status: "failed", result: SHUTDOWN_RESULT }),
    ]);
  });

  it("the run's signal and a fatal error are the stop's reason", async () => {
    const controller = new AbortController();
    const { worker } = makeWorker();
    const stopping = vi.fn();
    worker.on("worker:stopping", stopping);
    const done = worker.run(() => "", { handleSignals: false, signal: controller.signal });
    await waitFor(() => expect(suite.fake.inboxCalls.length).toBeGreaterThan(0));
    controller.abort();
    await done;
    expect(stopping).toHaveBeenCalledWith({ reason: "run-signal", signal: undefined });

    suite.fake.before.inbox = () => json({ error: "revoked" }, { status: 401 });
    stopping.mockClear();
    const stopped = vi.fn();
    worker.on("worker:stopped", stopped);
    await expect(worker.run(() => "", { handleSignals: false })).rejects.toThrow();
    expect(stopping).toHaveBeenCalledWith({ reason: "fatal", error: expect.objectContaining({ status: 401 }) });
    expect(stopped).toHaveBeenCalledWith({ reason: "fatal", error: expect.objectContaining({ status: 401 }) });
  });
});

describe("more of the worker's and the result's events", () => {
  it("a result refused for good: delivery given up after the terminal event; onError still called", async () => {
    suite.fake.before.complete = () => json({ error: "no such job" }, { status: 404 });
    const job = suite.fake.add();
    const onError = vi.fn();
    const { worker } = makeWorker();
    const seen = recordEvents(worker);
    void worker.run(() => "lost", { handleSignals: false, onError });
    await waitFor(() => expect(eventsOf(seen, job.id)).toContain("job:delivery-given-up"));
    expect(eventsOf(seen, job.id)).toEqual(["job:claimed", "job:started", "job:completed", "job:delivery-given-up"]);
    const givenUp = seen.find((s) => s.event === "job:delivery-given-up")
      ?.payload as WorkerEvents["job:delivery-given-up"];
    expect(givenUp.error).toMatchObject({ status: 404 });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ id: job.id }), givenUp.error);
  });

  it("a failed heartbeat, a poll's count, and a stop by SIGINT named in worker:stopping", async () => {
    let refuse = 1;
    suite.fake.before.heartbeat = () => (refuse-- > 0 ? json({ error: "busy" }, { status: 503 }) : undefined);
    suite.fake.addMany(2);
    const { worker } = makeWorker({ maxRetries: 0 });
    const seen = recordEvents(worker);
    const done = worker.run(() => "");
    await waitFor(() => expect(suite.fake.completions).toHaveLength(2));
    process.emit("SIGINT", "SIGINT");
    await done;
    expect(seen.find((s) => s.event === "heartbeat:failed")?.payload).toEqual({
      status: "idle",
      error: expect.objectContaining({ status: 503 }),
    });
    expect(seen.find((s) => s.event === "inbox:polled")?.payload).toEqual({ jobs: 2 });
    expect(seen.find((s) => s.event === "worker:stopping")?.payload).toEqual({ reason: "signal", signal: "SIGINT" });
    expect(seen.at(-1)).toEqual({ event: "worker:stopped", payload: { reason: "signal" } });
  });
});

describe("listeners", () => {
  it("a listener that throws or rejects is logged, and the worker goes on with every job", async () => {
    const jobs = suite.fake.addMany(3);
    const { worker, logger } = makeWorker({ concurrency: 2 });
    const completed = vi.fn();
    worker.on("job:started", () => {
      throw new Error("listener broke");
    });
    worker.on("job:completed", async () => {
      throw new Error("async listener broke");
    });
    worker.on("job:completed", completed);
    void worker.run(() => "fine", { handleSignals: false });
    await waitFor(() => expect(jobs.every((job) => suite.fake.completionsOf(job.id).length === 1)).toBe(true));
    expect(completed).toHaveBeenCalledTimes(3);
    await waitFor(() =>
      expect(logger.error).toHaveBeenCalledWith(
        'a listener of "job:completed" threw; the worker goes on: async listener broke',
      ),
    );
    expect(logger.error).toHaveBeenCalledWith('a listener of "job:started" threw; the worker goes on: listener broke');
    expect(worker.running).toBe(true);
  });

  it("on, once and off behave as EventEmitter's: twice added is twice called, once is once, off removes one", async () => {
    suite.fake.addMany(2);
    const { worker } = makeWorker();
    const each = vi.fn();
    const first = vi.fn();
    const removed = vi.fn();
    expect(worker.on("job:completed", each).on("job:completed", each)).toBe(worker);
    worker.once("job:completed", first);
    worker.on("job:completed", removed).off("job:completed", removed);
    const onceRemoved = vi.fn();
    worker.once("job:completed", onceRemoved).off("job:completed", onceRemoved);
    expect(worker.listenerCount("job:completed")).toBe(3);
    void worker.run(() => "", { handleSignals: false });
    await waitFor(() => expect(suite.fake.completions).toHaveLength(2));
    await waitFor(() => expect(each).toHaveBeenCalledTimes(4));
    expect(first).toHaveBeenCalledTimes(1);
    expect(removed).not.toHaveBeenCalled();
    expect(onceRemoved).not.toHaveBeenCalled();
    expect(worker.listenerCount("job:completed")).toBe(2);
  });

  it("an unknown event name or a listener that is not a function is a TypeError that says what to do", () => {
    const { worker } = makeWorker();
    const on = worker.on.bind(worker) as (event: string, listener: unknown) => Worker;
    expect(() => on("job:complete", () => {})).toThrow(
      new TypeError('"job:complete" is not a worker event; did you mean `job:completed`?'),
    );
    expect(() => on("error", () => {})).toThrow(
      /"error" is not a worker event; the events are worker:started, .*job:failed/,
    );
    expect(() => on("job:failed", "nope")).toThrow(
      new TypeError('The listener for "job:failed" must be a function; got string.'),
    );
  });
});

describe("status()", () => {
  it("reports the state and a job in each phase: claiming, running, delivering", async () => {
    const { worker } = makeWorker();
    expect(worker.status()).toEqual({
      state: "idle",
      paused: false,
      startedAt: undefined,
      jobs: [],
      undelivered: 0,
      counts: { claimed: 0, completed: 0, failed: 0, cancelled: 0 },
      lastHeartbeatAt: undefined,
      lastAnswerAt: undefined,
      consecutiveFailures: 0,
    });
    const claim = deferred();
    const handler = deferred<string>();
    const complete = deferred();
    suite.fake.before.claim = async () => {
      await claim.promise;
      return undefined;
    };
    suite.fake.before.complete = async () => {
      await complete.promise;
      return undefined;
    };
    const job = suite.fake.add();
    const done = worker.run(() => handler.promise, { handleSignals: false });
    const phase = () => worker.status().jobs.map((j) => j.phase);
    await waitFor(() => expect(phase()).toEqual(["claiming"]));
    expect(worker.status().jobs).toEqual([{ id: job.id, phase: "claiming", since: expect.any(Number) }]);
    expect(worker.status().state).toBe("running");
    expect(worker.status().startedAt).toEqual(expect.any(Number));
    claim.resolve();
    await waitFor(() => expect(phase()).toEqual(["running"]));
    expect(worker.status().counts.claimed).toBe(1);
    handler.resolve("r");
    await waitFor(() => expect(phase()).toEqual(["delivering"]));
    expect(worker.status().counts.completed).toBe(1);
    complete.resolve();
    await waitFor(() => expect(phase()).toEqual([]));
    const status = worker.status();
    expect(status.lastHeartbeatAt).toEqual(expect.any(Number));
    expect(status.lastAnswerAt).toBeGreaterThanOrEqual(status.lastHeartbeatAt ?? 0);
    await worker.stop();
    await done;
    expect(worker.status()).toMatchObject({
      state: "stopped",
      jobs: [],
      counts: { claimed: 1, completed: 1, failed: 0, cancelled: 0 },
    });
  });

  it("says stopping while a stop waits for a job, and counts failed calls in a row", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const job = suite.fake.add();
    const release = deferred<string>();
    const { worker } = makeWorker({ shutdownGraceMs: 5_000 });
    const done = worker.run(() => release.promise, { handleSignals: false });
    await waitFor(() => expect(worker.status().jobs.map((j) => j.phase)).toEqual(["running"]));
    const stopping = worker.stop();
    expect(worker.status().state).toBe("stopping");
    release.resolve("late but fine");
    await stopping;
    await done;
    expect(suite.fake.completionsOf(job.id)).toEqual([expect.objectContaining({ result: "late but fine" })]);

    suite.fake.before.inbox = () => HttpResponse.error();
    const again = worker.run(() => "", { handleSignals: false });
    await waitFor(() => expect(worker.status().consecutiveFailures).toBeGreaterThanOrEqual(1));
    await worker.stop();
    await again;
  });
});

describe("the coordinator's reachability", () => {
  it("unreachable with the error and the wait, then reachable again with how many calls failed", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    let failures = 2;
    suite.fake.before.inbox = () => (failures-- > 0 ? json({ error: "down" }, { status: 503 }) : undefined);
    const { worker, seen } = start(() => "", { maxRetries: 0 });
    await waitFor(() => expect(seen.some((s) => s.event === "coordinator:reachable")).toBe(true), 8_000);
    const outage = seen.filter((s) => s.event.startsWith("coordinator:")).map((s) => s.payload);
    expect(outage).toEqual([
      { error: expect.objectContaining({ status: 503 }), retryInMs: 500, failures: 1 },
      { error: expect.objectContaining({ status: 503 }), retryInMs: 1_000, failures: 2 },
      { failures: 2, downMs: expect.any(Number) },
    ]);
    expect(worker.status().consecutiveFailures).toBe(0);
  }, 10_000);
});

describe("one log line per finished job", () => {
  it("at info: done with its time, failed with its message (not the stack)", async () => {
    const ok = suite.fake.add();
    const bad = suite.fake.add();
    const { logger } = start((job) => {
      if (job.id === bad.id) throw new Error("bad input");
      return "";
    });
    await waitFor(() => expect(suite.fake.completions).toHaveLength(2));
    const lines = [...logger.info.mock.calls, ...logger.warn.mock.calls].map(([m]) => m);
    expect(lines.filter((m) => m.startsWith(`job ${ok.id} `))).toEqual([
      expect.stringMatching(/^job \d+ done in \d+\.\d\d s$/),
    ]);
    expect(lines.filter((m) => m.startsWith(`job ${bad.id} `))).toEqual([
      expect.stringMatching(/^job \d+ failed in \d+\.\d\d s: bad input$/),
    ]);
  });

  it('logLevel "warn" silences the done lines of the default logger', async () => {
    suite.fake.add();
    const printed = vi.spyOn(console, "error").mockImplementation(() => {});
    const { worker } = makeWorker({ logger: undefined, logLevel: "warn" });
    void worker.run(() => "", { handleSignals: false });
    await waitFor(() => expect(suite.fake.completions).toHaveLength(1));
    expect(printed.mock.calls.map(([m]) => String(m)).filter((m) => m.includes("done in"))).toEqual([]);
    printed.mockClear();

    const { worker: chatty } = makeWorker({ logger: undefined, name: "chatty" });
    suite.fake.add({ assigned_to: "chatty" });
    void chatty.run(() => "", { handleSignals: false });
    await waitFor(() => expect(printed.mock.calls.some(([m]) => /job \d+ done in/.test(String(m)))).toBe(true));
    await delay(10);
  });
});
