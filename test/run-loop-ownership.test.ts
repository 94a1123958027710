/**
 * The pure decisions behind cancellation: which running jobs a "running" list
 * shows are no longer the worker's (the claim-after-request race included),
 * what was seen of each, and the error a handler's signal aborts with.
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConflictError, type Job, JobCancelledError, WorkerError } from "../src/index.js";
import { lostJobs, whatWasSeen } from "../src/run-loop/ownership.js";

const running = (id: number | string, extra: Partial<Job> = {}): Job => ({
  id,
  prompt: "p",
  status: "running",
  ...extra,
});

describe("lostJobs", () => {
  it("takes as lost the held jobs the list does not show as running", () => {
    const held = [
      { id: 1, since: 1 },
      { id: 2, since: 2 },
      { id: 3, since: 3 },
    ];
    expect(lostJobs(held, [running(2)], 10)).toEqual([1, 3]);
    expect(lostJobs(held, [running(1), running(2), running(3)], 10)).toEqual([]);
    expect(lostJobs(held, [], 10)).toEqual([1, 2, 3]);
  });

  it("keeps a job whose claim was answered after the list was asked for", () => {
    // The list request is sent at stamp 5; job 2's claim is answered at stamp 6, before the list's answer.
    const held = [
      { id: 1, since: 4 },
      { id: 2, since: 6 },
    ];
    expect(lostJobs(held, [], 5)).toEqual([1]);
    // Same stamp: the order is unknown, so the job is kept.
    expect(lostJobs([{ id: 3, since: 5 }], [], 5)).toEqual([]);
  });

  it("matches ids as the coordinator spells them, numbers or strings", () => {
    expect(lostJobs([{ id: "7", since: 0 }], [running(7)], 1)).toEqual([]);
    expect(lostJobs([{ id: 7, since: 0 }], [running("7")], 1)).toEqual([]);
    expect(lostJobs([{ id: "job-a", since: 0 }], [running("job-b")], 1)).toEqual(["job-a"]);
  });

  it("from a coordinator that ignores the status query, takes as lost only the jobs it shows in another state", () => {
    const held = [
      { id: 1, since: 0 },
      { id: 2, since: 0 },
      { id: 3, since: 0 },
    ];
    // Job 3 is missing from a list that is not a running list: that says nothing about it.
    const everything = [running(1, { status: "cancelled" }), running(2), running(4, { status: "done" })];
    expect(lostJobs(held, everything, 1)).toEqual([1]);
    // Its pending list instead (the default status): the running jobs are missing from it, and kept.
    expect(lostJobs(held, [running(9, { status: "pending" })], 1)).toEqual([]);
  });
});

describe("whatWasSeen", () => {
  it("names a cancelled job, with the coordinator's reason when the record has one", () => {
    expect(whatWasSeen(4, [[running(4, { status: "cancelled", cancel_reason: "killswitch: runaway costs" })]])).toEqual(
      {
        seen: "cancelled",
        reason: "killswitch: runaway costs",
      },
    );
    expect(whatWasSeen(4, [[], [running(4, { status: "cancelled", cancel_reason: "  " })]])).toEqual({
      seen: "cancelled",
    });
  });

  it("names a job pending again as requeued, and one in none of the lists as reassigned", () => {
    expect(whatWasSeen("9", [[], [running(9, { status: "pending" })]])).toEqual({ seen: "requeued" });
    expect(whatWasSeen(9, [[running(8, { status: "cancelled" })], []])).toEqual({ seen: "reassigned" });
    expect(whatWasSeen(9, [[running(9, { status: "done" })]])).toEqual({ seen: "reassigned" });
    expect(whatWasSeen(9, [])).toEqual({ seen: "reassigned" });
  });
});

describe("JobCancelledError", () => {
  const call = { method: "GET", path: "/my-jobs", status: 200 };

  it("says what was seen, and is a WorkerError that names the call that showed it", () => {
    const cancelled = new JobCancelledError({ ...call, jobId: 42, seen: "cancelled", reason: "killswitch: leak" });
    expect(cancelled).toBeInstanceOf(WorkerError);
    expect(JobCancelledError.is(cancelled) && WorkerError.is(cancelled)).toBe(true);
    expect(JobCancelledError.is(new ConflictError("x", call))).toBe(false);
    expect(cancelled).toMatchObject({ name: "JobCancelledError", jobId: 42, seen: "cancelled", method: "GET" });
    expect(cancelled.message).toBe("job 42 was cancelled on the coordinator (killswitch: leak)");
    expect(new JobCancelledError({ ...call, jobId: 42, seen: "cancelled" }).message).toBe(
      "job 42 was cancelled on the coordinator",
    );
    expect(new JobCancelledError({ ...call, jobId: "a", seen: "requeued" }).message).toMatch(
      /^job a was requeued on the coordinator: it is pending again/,
    );
    expect(new JobCancelledError({ ...call, jobId: 5, seen: "reassigned" }).message).toMatch(
      /^job 5 is no longer running in this worker's name on the coordinator: another worker has it/,
    );
    expect(inspect(cancelled)).toContain("JobCancelledError: job 42 was cancelled");
  });
});
