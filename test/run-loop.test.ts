import { HttpResponse } from "msw";
import { describe, expect, it, vi } from "vitest";
import { AuthenticationError, type Job, type JobContext, NotFoundError } from "../src/index.js";
import { makeWorker, mockedCoordinatorSuite, startWorker, waitFor } from "./support/loop.js";
import { deferred, delay, json, loggedText, TOKEN, WORKER_NAME } from "./support/msw.js";

const suite = mockedCoordinatorSuite();
const { mock } = suite;

interface HeartbeatBody {
  instance: string;
  status: string;
  tags: string;
  details: { in_flight: Array<number | string>; concurrency: number };
}
const body = (record: { json?: unknown }) => record.json as HeartbeatBody;

describe("heartbeats", () => {
  it("keep coming every heartbeatIntervalMs while a slow handler runs, saying busy with the job in flight", async () => {
    const job = suite.fake.add({ id: 77 });
    const window = { from: Number.POSITIVE_INFINITY, to: Number.POSITIVE_INFINITY };
    const { worker } = startWorker(
      async () => {
        window.from = performance.now();
        await delay(300);
        window.to = performance.now();
        return "slow done";
      },
      { heartbeatIntervalMs: 50, tags: ["gpu", "eu"] },
    );
    await waitFor(() => expect(suite.fake.completionsOf(job.id)).toHaveLength(1));
    const during = suite.fake.heartbeats.filter((h) => h.at > window.from && h.at < window.to);
    expect(during.length).toBeGreaterThanOrEqual(3);
    for (const h of during) {
      expect(body(h)).toStrictEqual({
        instance: WORKER_NAME,
        status: "busy",
        tags: "gpu,eu",
        details: { in_flight: [77], concurrency: 1 },
      });
    }
    // The first heartbeat, before any job, says idle.
    expect(body(suite.fake.heartbeats[0] as never)).toStrictEqual({
      instance: WORKER_NAME,
      status: "idle",
      tags: "gpu,eu",
      details: { in_flight: [], concurrency: 1 },
    });
    await worker.stop();
  });

  it("say idle while there is nothing to do, and carry the token", async () => {
    startWorker(() => "", { heartbeatIntervalMs: 20 });
    await waitFor(() => expect(suite.fake.heartbeats.length).toBeGreaterThanOrEqual(3));
    for (const h of suite.fake.heartbeats.slice(0, 3)) {
      expect(body(h).status).toBe("idle");
      expect(body(h).details.in_flight).toEqual([]);
      expect(h.headers.authorization).toBe(`Bearer ${TOKEN}`);
    }
  });

  it("are not retried: the next one is the retry", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    suite.fake.before.heartbeat = () => json({ error: "down" }, { status: 503 });
    startWorker(() => "", { heartbeatIntervalMs: 1_000, pollIntervalMs: 60_000 });
    await vi.advanceTimersByTimeAsync(500);
    expect(mock.to("PUT", "/presence")).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(mock.to("PUT", "/presence")).toHaveLength(2);
  });

  it("a failing heartbeat is logged and the loop goes on", async () => {
    let failures = 2;
    suite.fake.before.heartbeat = () => (failures-- > 0 ? json({ error: "down" }, { status: 503 }) : undefined);
    const job = suite.fake.add();
    const { logger } = startWorker(() => "ok", { heartbeatIntervalMs: 20 });
    await waitFor(() => expect(suite.fake.completionsOf(job.id)).toHaveLength(1));
    await waitFor(() => expect(suite.fake.heartbeats.length).toBeGreaterThanOrEqual(1));
    expect(logger.warn.mock.calls.some(([m]) => m.startsWith("heartbeat failed"))).toBe(true);
  });
});

describe("claiming and concurrency", () => {
  it("with concurrency 3 and 10 jobs, handlers overlap up to 3 and never more", async () => {
    const jobs = suite.fake.addMany(10);
    let active = 0;
    let maxActive = 0;
    const handled: Array<number | string> = [];
    startWorker(
      async (job) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await delay(30);
        handled.push(job.id);
        active--;
        return `done ${job.id}`;
      },
      { concurrency: 3, pollIntervalMs: 60_000 },
    );
    await waitFor(() => expect(suite.fake.completions).toHaveLength(10));
    expect(maxActive).toBe(3);
    expect(suite.fake.maxRunning).toBeLessThanOrEqual(3);
    expect(new Set(handled).size).toBe(10);
    for (const job of jobs) {
      expect(suite.fake.completionsOf(job.id)).toEqual([
        expect.objectContaining({ worker: WORKER_NAME, status: "done", result: `done ${job.id}` }),
      ]);
    }
  });

  it("claims only what it has room for", async () => {
    suite.fake.addMany(5);
    const gates = new Map<number | string, () => void>();
    let open = false;
    startWorker(
      (job) =>
        new Promise<string>((resolve) => {
          gates.set(job.id, () => resolve("ok"));
          if (open) resolve("ok");
        }),
      { concurrency: 2, pollIntervalMs: 10 },
    );
    await waitFor(() => expect(gates.size).toBe(2));
    await delay(100);
    expect(suite.fake.claims).toHaveLength(2);
    expect(suite.fake.running).toBe(2);
    gates.get(1)?.();
    await waitFor(() => expect(gates.size).toBe(3));
    await delay(50);
    expect(suite.fake.claims).toHaveLength(3);
    expect(suite.fake.running).toBe(2);
    open = true;
    for (const release of gates.values()) release();
    await waitFor(() => expect(suite.fake.completions).toHaveLength(5));
    expect(suite.fake.maxRunning).toBe(2);
    expect(suite.fake.claims).toHaveLength(5);
  });

  it("starts the next waiting job at once, without a poll sleep between jobs", async () => {
    suite.fake.addMany(5);
    startWorker(() => "ok", { pollIntervalMs: 60_000, heartbeatIntervalMs: 60_000 });
    // With a one-minute poll interval, only a loop that does not sleep between jobs gets through them.
    await waitFor(() => expect(suite.fake.completions).toHaveLength(5), 3_000);
    // One inbox call found all five; the next one came after the fifth job and found nothing.
    expect(suite.fake.inboxCalls.filter((r) => r.query.status === "pending").length).toBeLessThanOrEqual(2);
  });

  it("waits pollIntervalMs when the inbox is empty", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    const pending = () => suite.fake.inboxCalls.filter((r) => r.query.status === "pending").length;
    startWorker(() => "ok", { pollIntervalMs: 1_000, heartbeatIntervalMs: 60_000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(pending()).toBe(1);
    suite.fake.add();
    await vi.advanceTimersByTimeAsync(990);
    expect(pending()).toBe(1);
    expect(suite.fake.completions).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(20);
    // The second look found the job; after it, the loop looked once more and found nothing.
    expect(suite.fake.completions).toHaveLength(1);
    expect(pending()).toBe(3);
    await vi.advanceTimersByTimeAsync(980);
    expect(pending()).toBe(3);
    await vi.advanceTimersByTimeAsync(20);
    expect(pending()).toBe(4);
  });

  it("skips a job whose claim answers 409, quietly, and goes on", async () => {
    const taken = suite.fake.add();
    const mine = suite.fake.add();
    suite.fake.before.claim = ({ id }) =>
      id === String(taken.id) ? json({ error: "claimed by other" }, { status: 409 }) : undefined;
    const handled: Array<number | string> = [];
    const { logger } = startWorker((job) => {
      handled.push(job.id);
      return "ok";
    });
    await waitFor(() => expect(suite.fake.completionsOf(mine.id)).toHaveLength(1));
    const later = suite.fake.add();
    await waitFor(() => expect(suite.fake.completionsOf(later.id)).toHaveLength(1));
    expect(handled).not.toContain(taken.id);
    expect(mock.to("POST", `/api/jobs/${taken.id}/claim`).length).toBeGreaterThanOrEqual(1);
    expect(logger.warn).not.toHaveBeenCalled();
    expect(logger.error).not.toHaveBeenCalled();
  });

  it("gives the handler the job, the worker, its logger and a live signal", async () => {
    suite.fake.add({ id: "job-x", prompt: "hello", input: { a: 1 }, priority: "high" });
    const seen = deferred<[Job, JobContext]>();
    const { worker, logger } = startWorker((job, ctx) => {
      seen.resolve([job, ctx]);
      return "";
    });
    const [job, ctx] = await seen.promise;
    expect(job).toMatchObject({ id: "job-x", prompt: "hello", input: { a: 1 }, priority: "high", status: "running" });
    expect(ctx.worker).toBe(worker);
    expect(ctx.logger).toBe(logger);
    expect(ctx.signal).toBeInstanceOf(AbortSignal);
    expect(ctx.signal.aborted).toBe(false);
  });
});

describe("results", () => {
  it.each([
    ["a string as it is", "plain text", "plain text"],
    ["undefined as ''", undefined, ""],
    ["an object as JSON", { answer: 42, list: [1, "a"] }, '{"answer":42,"list":[1,"a"]}'],
    ["an array as JSON", [1, 2], "[1,2]"],
    ["a number as JSON", 42, "42"],
    ["null as JSON", null, "null"],
    ["a boolean as JSON", false, "false"],
    ["an empty string as it is", "", ""],
  ])("a handler's return value: %s", async (_case, value, result) => {
    const job = suite.fake.add();
    startWorker(async () => value);
    await waitFor(() => expect(suite.fake.completionsOf(job.id)).toHaveLength(1));
    expect(suite.fake.completionsOf(job.id)[0]).toMatchObject({ worker: WORKER_NAME, status: "done", result });
  });

  it("a synchronous return value works too", async () => {
    const job = suite.fake.add();
    startWorker(() => ({ sync: true }));
    await waitFor(() => expect(suite.fake.completionsOf(job.id)).toHaveLength(1));
    expect(suite.fake.completionsOf(job.id)[0]?.result).toBe('{"sync":true}');
  });

  it("a thrown error completes the job as failed with the stack, THEN calls onError(job, error)", async () => {
    const job = suite.fake.add();
    const thrown = new Error("model exploded");
    const calls: Array<{ job: Job; error: unknown; completionsSoFar: number }> = [];
    startWorker(
      async () => {
        throw thrown;
      },
      {},
      {
        onError: (j, error) => {
          calls.push({ job: j, error, completionsSoFar: suite.fake.completionsOf(job.id).length });
        },
      },
    );
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]?.error).toBe(thrown);
    expect(calls[0]?.job.id).toBe(job.id);
    expect(calls[0]?.completionsSoFar).toBe(1);
    const [completion] = suite.fake.completionsOf(job.id);
    expect(completion?.status).toBe("failed");
    expect(completion?.result).toBe(thrown.stack);
    expect(completion?.result).toContain("Error: model exploded");
    expect(completion?.result).toContain("run-loop.test.ts");
  });

  it("a synchronous throw and a thrown non-Error fail the job too", async () => {
    const a = suite.fake.add({ prompt: "sync" });
    const b = suite.fake.add({ prompt: "string" });
    const c = suite.fake.add({ prompt: "object" });
    startWorker((job) => {
      if (job.prompt === "sync") throw new TypeError("bad input");
      if (job.prompt === "string") throw "just a string";
      throw { code: 7 };
    });
    await waitFor(() => expect(suite.fake.completions).toHaveLength(3));
    expect(suite.fake.completionsOf(a.id)[0]).toMatchObject({
      status: "failed",
      result: expect.stringContaining("TypeError: bad input"),
    });
    expect(suite.fake.completionsOf(b.id)[0]).toMatchObject({ status: "failed", result: "just a string" });
    expect(suite.fake.completionsOf(c.id)[0]).toMatchObject({
      status: "failed",
      result: 'non-Error thrown: {"code":7}',
    });
  });

  it("a return value that cannot be sent fails the job", async () => {
    const job = suite.fake.add();
    startWorker(() => () => "a function");
    await waitFor(() => expect(suite.fake.completionsOf(job.id)).toHaveLength(1));
    expect(suite.fake.completionsOf(job.id)[0]).toMatchObject({
      status: "failed",
      result: expect.stringContaining("cannot be sent as a result"),
    });
  });

  it("an onError that throws or rejects does not stop the loop", async () => {
    const [first, second] = suite.fake.addMany(2);
    let hookCalls = 0;
    const { logger, outcome } = startWorker(
      (job) => {
        if (job.prompt !== "fine") throw new Error(`fail ${job.id}`);
        return "fine";
      },
      {},
      {
        onError: (job) => {
          hookCalls++;
          if (job.id === first?.id) throw new Error("hook threw");
          return Promise.reject(new Error("hook rejected"));
        },
      },
    );
    await waitFor(() => expect(hookCalls).toBe(2));
    await waitFor(() => expect(logger.error).toHaveBeenCalledTimes(2));
    const third = suite.fake.add({ prompt: "fine" });
    await waitFor(() =>
      expect(suite.fake.completionsOf(third.id)).toEqual([expect.objectContaining({ status: "done", result: "fine" })]),
    );
    expect(suite.fake.completionsOf(second?.id ?? "")).toHaveLength(1);
    const text = loggedText(logger);
    expect(text).toContain("onError threw");
    expect(text).toContain("hook threw");
    expect(text).toContain("hook rejected");
    // run() is still going.
    const state = await Promise.race([outcome().then(() => "ended"), delay(30).then(() => "running")]);
    expect(state).toBe("running");
  });

  it("without onError, a handler failure is logged as a warning", async () => {
    const job = suite.fake.add();
    const { logger } = startWorker(() => {
      throw new Error("oops");
    });
    await waitFor(() => expect(suite.fake.completionsOf(job.id)).toHaveLength(1));
    await waitFor(() =>
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringMatching(new RegExp(`^job ${job.id} failed in \\d+\\.\\d\\d s: oops$`)),
      ),
    );
  });
});

describe("outages", () => {
  it("5xx and network errors are logged and waited out with a growing delay; run() goes on", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    const answers = [
      () => json({ error: "down" }, { status: 503 }),
      () => HttpResponse.error(),
      () => json({ error: "boom" }, { status: 500 }),
      () => new HttpResponse("<html>bad gateway</html>", { status: 502 }),
    ];
    suite.fake.before.inbox = () => answers.shift()?.();
    const job = suite.fake.add();
    const { logger, outcome } = startWorker(() => "after the outage", { maxRetries: 0, heartbeatIntervalMs: 60_000 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(answers).toHaveLength(0);
    const waits = logger.warn.mock.calls
      .map(([m]) => /trying again in (\d+) ms/.exec(m)?.[1])
      .filter(Boolean)
      .map(Number);
    // Half the ceiling fixed, half jittered (here 0): 1 s, 2 s, 4 s, 8 s ceilings.
    expect(waits).toEqual([500, 1_000, 2_000, 4_000]);
    expect(loggedText(logger)).toContain("503");
    expect(loggedText(logger)).toContain("could not reach the coordinator");
    await vi.advanceTimersByTimeAsync(4_000);
    expect(suite.fake.completionsOf(job.id)).toEqual([
      expect.objectContaining({ status: "done", result: "after the outage" }),
    ]);
    expect(logger.info).toHaveBeenCalledWith("the coordinator answers again; resuming");
    const state = await Promise.race([outcome().then(() => "ended"), Promise.resolve().then(() => "running")]);
    expect(state).toBe("running");
  });

  it("the waits are capped at 30 s", async () => {
    vi.spyOn(Math, "random").mockReturnValue(1);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    suite.fake.before.inbox = () => json({}, { status: 503 });
    const { worker } = startWorker(() => "", { maxRetries: 0, heartbeatIntervalMs: 600_000 });
    // Read from the events: the log says a repeated failure once, then only now and then.
    const waits: number[] = [];
    worker.on("coordinator:unreachable", ({ retryInMs }) => waits.push(retryInMs));
    await vi.advanceTimersByTimeAsync(200_000);
    expect(waits.slice(0, 7)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it("a 401 ends run() with AuthenticationError, and no offline heartbeat is sent", async () => {
    suite.fake.before.inbox = () => json({ error: "token revoked" }, { status: 401 });
    const { logger, done } = startWorker(() => "");
    const error = await done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(logger.error).toHaveBeenCalledWith(expect.stringContaining("Stopping the worker."));
    expect(suite.fake.heartbeats.map((h) => body(h).status)).not.toContain("offline");
    expect(loggedText(logger)).not.toContain(TOKEN);
  });

  it("a 401 on the first heartbeat ends run() before any claim", async () => {
    suite.fake.before.heartbeat = () => json({ error: "bad token" }, { status: 401 });
    suite.fake.add();
    const { worker, done } = startWorker(() => "");
    await expect(done).rejects.toBeInstanceOf(AuthenticationError);
    expect(suite.fake.claims).toHaveLength(0);
    expect(worker.running).toBe(false);
  });

  it("a result that cannot be delivered yet is kept and delivered later", async () => {
    let completeFailures = 1;
    suite.fake.before.complete = () => (completeFailures-- > 0 ? json({ error: "busy" }, { status: 503 }) : undefined);
    vi.spyOn(Math, "random").mockReturnValue(0);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    const job = suite.fake.add();
    const { logger } = startWorker(() => "kept", { maxRetries: 0, heartbeatIntervalMs: 60_000, pollIntervalMs: 100 });
    await vi.advanceTimersByTimeAsync(50);
    expect(suite.fake.completionsOf(job.id)).toHaveLength(0);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining(`job ${job.id}'s result is not delivered yet`));
    await vi.advanceTimersByTimeAsync(1_200);
    expect(suite.fake.completionsOf(job.id)).toEqual([expect.objectContaining({ status: "done", result: "kept" })]);
  });
});

describe("orphans", () => {
  it("a job running in this worker's name at start is taken up, run and completed, without a claim", async () => {
    const orphan = suite.fake.add({ status: "running" });
    const othersJob = suite.fake.add({ status: "running", assigned_to: "someone-else" });
    const handled: Array<number | string> = [];
    const { logger } = startWorker((job) => {
      handled.push(job.id);
      return "adopted";
    });
    await waitFor(() => expect(suite.fake.completionsOf(orphan.id)).toHaveLength(1));
    expect(suite.fake.completionsOf(orphan.id)[0]).toMatchObject({ status: "done", result: "adopted" });
    expect(suite.fake.claims).toHaveLength(0);
    expect(handled).toEqual([orphan.id]);
    expect(handled).not.toContain(othersJob.id);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining(`job ${orphan.id} is running in this worker's name`),
    );
  });

  it("a claim whose answer is lost is found through inbox('running') and completed exactly once", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const job = suite.fake.add();
    let lost = 0;
    suite.fake.afterClaim = () => {
      // The claim is committed, but the answer never arrives: fetch rejects with "fetch failed".
      if (lost++ === 0) return HttpResponse.error();
      return undefined;
    };
    const handled: Array<number | string> = [];
    const { logger } = startWorker(
      (j) => {
        handled.push(j.id);
        return "found again";
      },
      { maxRetries: 0 },
    );
    await waitFor(() => expect(suite.fake.completionsOf(job.id)).toHaveLength(1));
    await delay(100);
    expect(suite.fake.completionsOf(job.id)).toEqual([
      expect.objectContaining({ status: "done", result: "found again" }),
    ]);
    expect(handled).toEqual([job.id]);
    expect(suite.fake.claims).toHaveLength(1);
    expect(suite.fake.inboxCalls.filter((r) => r.query.status === "running").length).toBeGreaterThanOrEqual(2);
    expect(suite.fake.jobs.get(String(job.id))?.status).toBe("done");
    expect(loggedText(logger)).toContain("could not reach the coordinator");
  });

  it("a coordinator that ignores the status query does not make the worker run unclaimed jobs", async () => {
    suite.fake.ignoreStatusQuery = true;
    const job = suite.fake.add();
    const statusAtStart: string[] = [];
    const { logger } = startWorker((j) => {
      statusAtStart.push(suite.fake.jobs.get(String(j.id))?.status ?? "?");
      return "claimed first";
    });
    await waitFor(() => expect(suite.fake.completionsOf(job.id)).toHaveLength(1));
    expect(mock.to("POST", `/api/jobs/${job.id}/claim`)).toHaveLength(1);
    expect(statusAtStart).toEqual(["running"]);
    expect(suite.fake.completionsOf(job.id)[0]).toMatchObject({ status: "done", result: "claimed first" });
    expect(logger.error).not.toHaveBeenCalled();
  });
});

describe("answers lost after the coordinator acted", () => {
  it("a claim retried after a lost answer gets 409; the job is found as an orphan and run once", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const job = suite.fake.add();
    let lost = 0;
    suite.fake.afterClaim = () => (lost++ === 0 ? json({ error: "gateway" }, { status: 502 }) : undefined);
    const handled: Array<number | string> = [];
    const { logger } = startWorker(
      (j) => {
        handled.push(j.id);
        return "once";
      },
      { maxRetries: 1 },
    );
    await waitFor(() => expect(suite.fake.completionsOf(job.id)).toHaveLength(1));
    await delay(60);
    expect(handled).toEqual([job.id]);
    // Both attempts of the one claim call carried the same idempotency key.
    const claims = mock.to("POST", `/api/jobs/${job.id}/claim`);
    expect(claims).toHaveLength(2);
    expect(claims[1]?.headers["idempotency-key"]).toBe(claims[0]?.headers["idempotency-key"]);
    expect(suite.fake.completionsOf(job.id)).toEqual([expect.objectContaining({ status: "done", result: "once" })]);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it("a completion retried after a lost answer gets 409 and counts as delivered", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const job = suite.fake.add();
    let lost = 0;
    suite.fake.afterComplete = () => (lost++ === 0 ? json({}, { status: 503 }) : undefined);
    const onError = vi.fn();
    const { logger } = startWorker(() => "result", { maxRetries: 1 }, { onError });
    await waitFor(() => expect(suite.fake.completionsOf(job.id)).toHaveLength(2));
    await delay(60);
    expect(suite.fake.jobs.get(String(job.id))).toMatchObject({ status: "done", result: "result" });
    expect(suite.fake.completionsOf(job.id)).toHaveLength(2);
    expect(onError).not.toHaveBeenCalled();
    expect(logger.error).not.toHaveBeenCalled();
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it("a completion refused for good (404) is given up, logged, and reported to onError", async () => {
    const job = suite.fake.add();
    suite.fake.before.complete = () => json({ error: "job deleted" }, { status: 404 });
    const onError = vi.fn();
    const { logger } = startWorker(() => "lost result", {}, { onError });
    await waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ id: job.id });
    expect(onError.mock.calls[0]?.[1]).toBeInstanceOf(NotFoundError);
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining(`job ${job.id}'s result could not be delivered and is given up`),
    );
    expect(loggedText(logger)).toContain("lost result");
    // Not tried again.
    await delay(60);
    expect(mock.to("POST", `/api/jobs/${job.id}/complete`)).toHaveLength(1);
  });

  it("orphan adoption never starts a job that is already in flight", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const slow = suite.fake.add();
    const lostOne = suite.fake.add();
    const release = deferred();
    suite.fake.afterClaim = (j) =>
      j.id === lostOne.id && !suite.fake.completionsOf(j.id).length && suite.fake.claims.length === 2
        ? HttpResponse.error()
        : undefined;
    const handled: Array<number | string> = [];
    startWorker(
      async (j) => {
        handled.push(j.id);
        if (j.id === slow.id) await release.promise;
        return "ok";
      },
      { concurrency: 2, maxRetries: 0 },
    );
    await waitFor(() => expect(suite.fake.completionsOf(lostOne.id)).toHaveLength(1));
    // The adoption pass saw both running jobs and took up only the one not in flight.
    expect(suite.fake.inboxCalls.filter((r) => r.query.status === "running").length).toBeGreaterThanOrEqual(2);
    release.resolve();
    await waitFor(() => expect(suite.fake.completionsOf(slow.id)).toHaveLength(1));
    await delay(60);
    expect(handled.filter((id) => id === slow.id)).toHaveLength(1);
    expect(handled.filter((id) => id === lostOne.id)).toHaveLength(1);
  });
});

describe("a worker used without run()", () => {
  it("is not running", () => {
    const { worker } = makeWorker();
    expect(worker.running).toBe(false);
  });
});
