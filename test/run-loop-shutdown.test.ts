import { describe, expect, it, vi } from "vitest";
import { SHUTDOWN_RESULT, Worker } from "../src/index.js";
import { makeWorker, mockedCoordinatorSuite, startWorker, waitFor } from "./support/loop.js";
import { BASE, deferred, delay, json, spyLogger, TOKEN, WORKER_NAME } from "./support/msw.js";

const suite = mockedCoordinatorSuite();
const { mock } = suite;
const statusOf = (record: { json?: unknown }) => (record.json as { status: string }).status;

describe("stop()", () => {
  it("stops claiming, lets the in-flight job finish and report, then run() resolves", async () => {
    const [first, second] = suite.fake.addMany(2);
    const started = deferred();
    const release = deferred();
    const { worker, done } = startWorker(async (job) => {
      started.resolve();
      await release.promise;
      return `finished ${job.id}`;
    });
    await started.promise;
    expect(worker.running).toBe(true);
    const order: string[] = [];
    const stopped = worker.stop().then(() => order.push("stop"));
    void done.then(() => order.push("run"));
    await delay(50);
    expect(order).toEqual([]);
    expect(suite.fake.completions).toHaveLength(0);
    release.resolve();
    await stopped;
    await done;
    expect(order).toEqual(["run", "stop"]);
    expect(worker.running).toBe(false);
    expect(suite.fake.completionsOf(first?.id ?? "")).toEqual([
      expect.objectContaining({ status: "done", result: `finished ${first?.id}` }),
    ]);
    // The second job was never claimed.
    expect(suite.fake.claims).toHaveLength(1);
    expect(suite.fake.jobs.get(String(second?.id))?.status).toBe("pending");
    // The last heartbeat says offline, and comes after the completion.
    const last = suite.fake.heartbeats.at(-1);
    expect(last && statusOf(last)).toBe("offline");
    expect(last?.at).toBeGreaterThan(suite.fake.completions[0]?.at ?? Number.POSITIVE_INFINITY);
    expect(last?.json).toMatchObject({ instance: WORKER_NAME, details: { in_flight: [] } });
  });

  it("an idle worker stops at once, with an offline heartbeat as its last call", async () => {
    const { worker, done, logger } = startWorker(() => "", { pollIntervalMs: 60_000 });
    await waitFor(() => expect(suite.fake.inboxCalls.length).toBeGreaterThanOrEqual(1));
    await worker.stop();
    await done;
    expect(statusOf(mock.requests.at(-1) ?? {})).toBe("offline");
    expect(mock.requests.at(-1)?.path).toBe("/presence");
    expect(logger.info).toHaveBeenCalledWith(`worker "${WORKER_NAME}" stopped`);
    const count = mock.requests.length;
    await delay(80);
    expect(mock.requests).toHaveLength(count);
  });

  it("with a slow coordinator, no heartbeat is sent after the offline one", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    suite.fake.before.heartbeat = async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await delay(60);
      inFlight--;
      return undefined;
    };
    const { worker, done } = startWorker(() => "", { heartbeatIntervalMs: 15, pollIntervalMs: 60_000 });
    await waitFor(() => expect(suite.fake.heartbeats.length).toBeGreaterThanOrEqual(2));
    // Stop while a periodic heartbeat is on its way.
    await waitFor(() => expect(inFlight).toBe(1));
    await worker.stop();
    await done;
    await delay(100);
    const statuses = suite.fake.heartbeats.map(statusOf);
    expect(statuses.at(-1)).toBe("offline");
    expect(statuses.filter((s) => s === "offline")).toHaveLength(1);
    expect(suite.fake.heartbeats.at(-1)?.at).toBe(Math.max(...suite.fake.heartbeats.map((h) => h.at)));
    // Periodic heartbeats do not pile up behind a slow one.
    expect(maxInFlight).toBeLessThanOrEqual(2);
  });

  it("resolves at once when the worker is not running", async () => {
    const { worker } = makeWorker();
    await expect(worker.stop()).resolves.toBeUndefined();
    expect(mock.requests).toHaveLength(0);
  });

  it("stop() twice, or while stopping, is fine", async () => {
    const { worker, done } = startWorker(() => "");
    await waitFor(() => expect(suite.fake.inboxCalls.length).toBeGreaterThanOrEqual(1));
    await Promise.all([worker.stop(), worker.stop()]);
    await worker.stop();
    await done;
    expect(suite.fake.heartbeats.filter((h) => statusOf(h) === "offline")).toHaveLength(1);
  });

  it("a result the coordinator refused for now is delivered on the way out", async () => {
    let failures = 1;
    suite.fake.before.complete = () => (failures-- > 0 ? json({}, { status: 503 }) : undefined);
    const job = suite.fake.add();
    const { worker, done } = startWorker(() => "late but delivered", { maxRetries: 0 });
    await waitFor(() => expect(failures).toBe(0));
    await delay(20);
    await worker.stop();
    await done;
    expect(suite.fake.completionsOf(job.id)).toEqual([
      expect.objectContaining({ status: "done", result: "late but delivered" }),
    ]);
  });

  it("can run() again after it stopped", async () => {
    const { worker, done } = startWorker(() => "");
    await waitFor(() => expect(suite.fake.inboxCalls.length).toBeGreaterThanOrEqual(1));
    await worker.stop();
    await done;
    const job = suite.fake.add();
    const again = worker.run(() => "second run", { handleSignals: false });
    await waitFor(() => expect(suite.fake.completionsOf(job.id)).toHaveLength(1));
    await worker.stop();
    await again;
  });
});

describe("the signal option", () => {
  it("aborting it stops like stop(): the in-flight job finishes and is reported", async () => {
    const job = suite.fake.add();
    const controller = new AbortController();
    const started = deferred();
    const release = deferred();
    const { done } = startWorker(
      async () => {
        started.resolve();
        await release.promise;
        return "ok";
      },
      {},
      { signal: controller.signal },
    );
    await started.promise;
    controller.abort();
    await delay(30);
    release.resolve();
    await done;
    expect(suite.fake.completionsOf(job.id)).toEqual([expect.objectContaining({ status: "done", result: "ok" })]);
    expect(statusOf(suite.fake.heartbeats.at(-1) ?? {})).toBe("offline");
  });

  it("an already aborted signal returns at once without a request", async () => {
    const { done } = startWorker(() => "", {}, { signal: AbortSignal.abort() });
    await done;
    expect(mock.requests).toHaveLength(0);
  });
});

describe("shutdownGraceMs", () => {
  it("past the grace period, ctx.signal is aborted; a handler that gives up fails the job with SHUTDOWN_RESULT", async () => {
    const job = suite.fake.add();
    const started = deferred();
    const { worker, done } = startWorker(
      async (_job, ctx) => {
        started.resolve();
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        ctx.signal.throwIfAborted();
        return "never";
      },
      { shutdownGraceMs: 50 },
    );
    await started.promise;
    await worker.stop();
    await done;
    const [completion] = suite.fake.completionsOf(job.id);
    expect(suite.fake.completionsOf(job.id)).toHaveLength(1);
    expect(completion?.status).toBe("failed");
    expect(completion?.result).toContain(SHUTDOWN_RESULT);
    expect(statusOf(suite.fake.heartbeats.at(-1) ?? {})).toBe("offline");
  });

  it("ctx.signal first read after the abort (it is made only when read) is aborted already, and stays one signal", async () => {
    suite.fake.add();
    const started = deferred();
    const seen: Array<{ aborted: boolean; same: boolean; reason: unknown }> = [];
    const { worker, done } = startWorker(
      async (_job, ctx) => {
        started.resolve();
        await delay(150); // past the grace period, without having looked at ctx.signal
        const { signal } = ctx;
        const copy = { ...ctx }; // a spread copy carries the same signal
        seen.push({
          aborted: signal.aborted,
          same: ctx.signal === signal && copy.signal === signal,
          reason: signal.reason,
        });
        return "late";
      },
      { shutdownGraceMs: 30 },
    );
    await started.promise;
    await worker.stop();
    await done;
    expect(seen).toEqual([
      { aborted: true, same: true, reason: expect.objectContaining({ message: SHUTDOWN_RESULT }) },
    ]);
  });

  it("a handler that ignores the abort is failed with exactly SHUTDOWN_RESULT, once, and its late return is dropped", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    const job = suite.fake.add();
    let aborted = false;
    let returned = false;
    const { worker, done, logger } = startWorker(
      async (_job, ctx) => {
        ctx.signal.addEventListener("abort", () => {
          aborted = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 10_000));
        returned = true;
        return "too late";
      },
      { shutdownGraceMs: 500, heartbeatIntervalMs: 60_000 },
    );
    await vi.advanceTimersByTimeAsync(10);
    expect(suite.fake.claims).toHaveLength(1);
    const stopped = worker.stop();
    await vi.advanceTimersByTimeAsync(490);
    expect(aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(20);
    expect(aborted).toBe(true);
    expect(suite.fake.completions).toHaveLength(0);
    // Aborted handlers get a second to return before their jobs are failed anyway.
    await vi.advanceTimersByTimeAsync(1_000);
    await stopped;
    await done;
    expect(suite.fake.completionsOf(job.id)).toEqual([
      expect.objectContaining({ status: "failed", result: SHUTDOWN_RESULT }),
    ]);
    expect(statusOf(suite.fake.heartbeats.at(-1) ?? {})).toBe("offline");
    expect(logger.info).toHaveBeenCalledWith(expect.stringContaining("waiting up to 500 ms for 1 job(s)"));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(returned).toBe(true);
    expect(suite.fake.completionsOf(job.id)).toHaveLength(1);
  });

  it("a job that finishes within the grace period is reported as done", async () => {
    const job = suite.fake.add();
    const started = deferred();
    const { worker, done } = startWorker(
      async (_job, ctx) => {
        started.resolve();
        await delay(60);
        expect(ctx.signal.aborted).toBe(false);
        return "in time";
      },
      { shutdownGraceMs: 2_000 },
    );
    await started.promise;
    await worker.stop();
    await done;
    expect(suite.fake.completionsOf(job.id)).toEqual([expect.objectContaining({ status: "done", result: "in time" })]);
  });
});

describe("run()", () => {
  it("twice at once throws; the first run goes on", async () => {
    const { worker, done } = startWorker(() => "");
    await expect(worker.run(() => "", { handleSignals: false })).rejects.toThrow(
      `Worker "${WORKER_NAME}" is running already`,
    );
    expect(worker.running).toBe(true);
    await worker.stop();
    await done;
  });

  it("needs a handler function", async () => {
    const { worker } = makeWorker();
    await expect(worker.run("nope" as never)).rejects.toThrow(TypeError);
    expect(worker.running).toBe(false);
  });

  it("`await using` stops the worker at the end of the block", async () => {
    let outer: Worker | undefined;
    let run: Promise<void> | undefined;
    {
      await using worker = new Worker({
        token: TOKEN,
        url: BASE,
        name: WORKER_NAME,
        pollIntervalMs: 20,
        heartbeatIntervalMs: 50,
        logger: spyLogger(),
      });
      outer = worker;
      run = worker.run(() => "", { handleSignals: false });
      await waitFor(() => expect(suite.fake.inboxCalls.length).toBeGreaterThanOrEqual(1));
      expect(worker.running).toBe(true);
    }
    expect(outer.running).toBe(false);
    await expect(run).resolves.toBeUndefined();
    expect(statusOf(suite.fake.heartbeats.at(-1) ?? {})).toBe("offline");
  });
});

describe("signals", () => {
  const counts = () => ({ SIGINT: process.listenerCount("SIGINT"), SIGTERM: process.listenerCount("SIGTERM") });

  it("handleSignals: false installs no SIGINT/SIGTERM listener", async () => {
    const before = counts();
    const { worker, done } = startWorker(() => "", {}, { handleSignals: false });
    await waitFor(() => expect(suite.fake.inboxCalls.length).toBeGreaterThanOrEqual(1));
    expect(counts()).toEqual(before);
    await worker.stop();
    await done;
  });

  it("by default, listens to SIGINT and SIGTERM only while running", async () => {
    const before = counts();
    const { worker } = makeWorker();
    const done = worker.run(() => "");
    await waitFor(() => expect(suite.fake.inboxCalls.length).toBeGreaterThanOrEqual(1));
    expect(counts()).toEqual({ SIGINT: before.SIGINT + 1, SIGTERM: before.SIGTERM + 1 });
    await worker.stop();
    await done;
    expect(counts()).toEqual(before);
  });

  it("the first SIGINT stops cleanly, finishing the in-flight job", async () => {
    const job = suite.fake.add();
    const started = deferred();
    const release = deferred();
    const { worker, logger } = makeWorker();
    const done = worker.run(async () => {
      started.resolve();
      await release.promise;
      return "finished";
    });
    await started.promise;
    process.emit("SIGINT", "SIGINT");
    expect(logger.info).toHaveBeenCalledWith(expect.stringContaining("SIGINT received"));
    release.resolve();
    await done;
    expect(suite.fake.completionsOf(job.id)).toEqual([expect.objectContaining({ status: "done", result: "finished" })]);
    expect(worker.running).toBe(false);
  });

  it("a second signal forces the exit with the shell's code for it", async () => {
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
    suite.fake.add();
    const release = deferred();
    const started = deferred();
    const { worker, logger } = makeWorker();
    const done = worker.run(async () => {
      started.resolve();
      await release.promise;
      return "";
    });
    await started.promise;
    process.emit("SIGTERM", "SIGTERM");
    expect(exit).not.toHaveBeenCalled();
    process.emit("SIGTERM", "SIGTERM");
    expect(exit).toHaveBeenCalledWith(143);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining("SIGTERM received again: exiting now"));
    release.resolve();
    await done;
  });

  it("a listener is removed even when run() ends with an error", async () => {
    suite.fake.before.inbox = () => json({ error: "revoked" }, { status: 401 });
    const before = counts();
    const { worker } = makeWorker();
    await expect(worker.run(() => "")).rejects.toThrow();
    expect(counts()).toEqual(before);
  });
});
