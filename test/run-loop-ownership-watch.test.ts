/**
 * The ownership watch with a fake worker and fake timers: when it asks, what
 * it hands to the loop, and what it never does (ask while idle, judge a job
 * claimed after the list was asked for, report an outage every interval).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RequestOptions } from "../src/http/core.js";
import { ConnectionError, type Job, JobCancelledError } from "../src/index.js";
import type { HeldJob } from "../src/run-loop/ownership.js";
import { explainRefusal, OwnershipWatch } from "../src/run-loop/ownership-watch.js";
import { deferred, spyLogger } from "./support/msw.js";

const INTERVAL = 1_000;
const job = (id: number, status: string, extra: Partial<Job> = {}): Job => ({ id, prompt: "p", status, ...extra });

function setup() {
  let tick = 0;
  const held: HeldJob[] = [];
  const lists: Record<string, Job[] | Error> = { running: [], cancelled: [], pending: [] };
  const asked: string[] = [];
  const lost: JobCancelledError[] = [];
  /** When set, the running list waits for this before it answers. */
  let gate: Promise<void> | undefined;
  const logger = spyLogger();
  const inbox = async (status: "pending" | "running" | "cancelled", _options: RequestOptions) => {
    asked.push(status);
    if (status === "running" && gate) await gate;
    const answer = lists[status];
    if (answer instanceof Error) throw answer;
    return answer ?? [];
  };
  const watch = new OwnershipWatch({
    inbox,
    inboxRoute: { method: "GET", path: "/my-jobs" },
    held: () => held,
    stamp: () => ++tick,
    lose: (error) => lost.push(error),
    logger,
    intervalMs: INTERVAL,
  });
  return {
    watch,
    inbox,
    held,
    lists,
    asked,
    lost,
    logger,
    stamp: () => ++tick,
    /** Holds the next running lists until the returned function is called. */
    hold: (): (() => void) => {
      const { promise, resolve } = deferred();
      gate = promise;
      return () => resolve();
    },
  };
}

describe("OwnershipWatch", () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => {
    vi.useFakeTimers();
    s = setup();
  });
  afterEach(() => {
    s.watch.close();
    vi.useRealTimers();
  });

  it("asks nothing while no handler runs, and once per interval while one does", async () => {
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(s.asked).toEqual([]);
    s.held.push({ id: 1, since: s.stamp() });
    s.lists.running = [job(1, "running")];
    await vi.advanceTimersByTimeAsync(3 * INTERVAL);
    expect(s.asked).toEqual(["running", "running", "running"]);
    expect(s.lost).toEqual([]);
  });

  it("hands over a job the running list leaves out, saying what was seen", async () => {
    s.held.push({ id: 1, since: s.stamp() }, { id: 2, since: s.stamp() }, { id: 3, since: s.stamp() });
    s.lists.running = [job(3, "running")];
    s.lists.cancelled = [job(1, "cancelled", { cancel_reason: "killswitch: runaway costs" })];
    s.lists.pending = [job(2, "pending")];
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(s.lost.map((e) => [e.jobId, e.seen, e.message])).toEqual([
      [1, "cancelled", "job 1 was cancelled on the coordinator (killswitch: runaway costs)"],
      [2, "requeued", expect.stringMatching(/^job 2 was requeued/)],
    ]);
    expect(s.lost[0]).toBeInstanceOf(JobCancelledError);
    expect(s.lost[0]).toMatchObject({ method: "GET", path: "/my-jobs", status: 200 });
  });

  it("still hands over a lost job when the lookups fail: what was seen is then 'reassigned'", async () => {
    s.held.push({ id: 1, since: s.stamp() });
    s.lists.cancelled = new Error("down");
    s.lists.pending = new Error("down");
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(s.lost.map((e) => [e.jobId, e.seen])).toEqual([[1, "reassigned"]]);
  });

  it("does not judge a job whose claim was answered after the running list was asked for", async () => {
    s.held.push({ id: 1, since: s.stamp() });
    const answer = s.hold();
    // The list is asked for (and read by the coordinator) before job 2's claim is answered.
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(s.asked).toEqual(["running"]);
    s.held.push({ id: 2, since: s.stamp() });
    answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.lost.map((e) => e.jobId)).toEqual([1]);
  });

  it("sends one check at a time: a slow answer is not overtaken by the next interval's", async () => {
    s.held.push({ id: 1, since: s.stamp() });
    s.lists.running = [job(1, "running")];
    const answer = s.hold();
    await vi.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(s.asked).toEqual(["running"]);
    answer();
    s.hold()();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(s.asked).toEqual(["running", "running"]);
  });

  it("warns once when checks fail, and goes on asking", async () => {
    s.held.push({ id: 1, since: s.stamp() });
    s.lists.running = new Error("HTTP 400: unknown status");
    await vi.advanceTimersByTimeAsync(3 * INTERVAL);
    expect(s.logger.warn).toHaveBeenCalledTimes(1);
    expect(s.logger.warn.mock.calls[0]?.[0]).toMatch(
      /^could not ask the coordinator which jobs still run in this worker's name \(HTTP 400: unknown status\); asking again every 1000 ms$/,
    );
    expect(s.lost).toEqual([]);
    s.lists.running = [job(1, "running")];
    await vi.advanceTimersByTimeAsync(INTERVAL);
    s.lists.running = new Error("again");
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(s.logger.warn).toHaveBeenCalledTimes(2);
  });

  it("leaves an outage to the heartbeats to report: no warning for a check that got no answer", async () => {
    s.held.push({ id: 1, since: s.stamp() });
    s.lists.running = new ConnectionError("GET /my-jobs could not reach the coordinator", {
      method: "GET",
      path: "/my-jobs",
    });
    await vi.advanceTimersByTimeAsync(3 * INTERVAL);
    expect(s.logger.warn).not.toHaveBeenCalled();
    expect(s.logger.debug).toHaveBeenCalledTimes(3);
    expect(s.lost).toEqual([]);
  });

  it("after close, asks nothing more and hands over nothing from a check under way", async () => {
    s.held.push({ id: 1, since: s.stamp() });
    const answer = s.hold();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    s.watch.close();
    answer();
    await vi.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(s.asked).toEqual(["running"]);
    expect(s.lost).toEqual([]);
  });

  it("explains a refused result from the lookups", async () => {
    s.lists.cancelled = [job(7, "cancelled")];
    const error = await explainRefusal(s.inbox, 7, { method: "POST", path: "/api/jobs/7/complete", status: 409 });
    expect(error).toMatchObject({ jobId: 7, seen: "cancelled", status: 409, path: "/api/jobs/7/complete" });
    expect(`${error.message}; its result was dropped`).toBe(
      "job 7 was cancelled on the coordinator; its result was dropped",
    );
  });
});
