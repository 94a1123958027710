/**
 * Which of a worker's running jobs are no longer its own, decided from the
 * coordinator's "running" list (PROTOCOL.md, "The coordinator's word to a
 * running worker"), and what was seen of each. Pure: no network, no timers.
 */
import type { JobLoss } from "../errors.js";
import type { Job, JobId } from "../types.js";

/** A job whose handler runs here, as the ownership check sees it. */
export interface HeldJob {
  readonly id: JobId;
  /**
   * When the job became this worker's (its claim answered, or its adoption
   * from a "running" list), on the same counter as {@link lostJobs}' `askedAt`.
   */
  readonly since: number;
}

/**
 * The held jobs that a "running" list shows are no longer this worker's: those
 * it does not list as running. Only jobs held since before the list was asked
 * for (`askedAt`) are judged: a claim answered after the request was sent may
 * be missing only because the coordinator read the list first.
 *
 * A list that holds jobs in other states comes from a coordinator that ignored
 * the `status` query: a job missing from it says nothing, and only the held
 * jobs it shows in another state (cancelled, pending again) are lost.
 *
 * Stamps come from one counter that grows with every event, so that "before"
 * is exact even for events within the same millisecond.
 */
export function lostJobs(held: Iterable<HeldJob>, running: readonly Job[], askedAt: number): JobId[] {
  const filtered = running.every((job) => job.status === "running");
  const listed = new Map(running.map((job) => [String(job.id), job.status]));
  const lost: JobId[] = [];
  for (const job of held) {
    if (job.since >= askedAt) continue;
    const status = listed.get(String(job.id));
    if (status === undefined ? filtered : status !== "running") lost.push(job.id);
  }
  return lost;
}

/** What was seen of a lost job: see {@link JobLoss}. */
export interface Seen {
  seen: JobLoss;
  /** The coordinator's reason, when its record carries one (`cancel_reason`). */
  reason?: string;
}

/**
 * What became of a job that is no longer this worker's, from the lists the
 * worker could read (its "cancelled" and "pending" lists, the "running" one;
 * a list that could not be read is left out): the first record of the job
 * decides. Cancelled → `cancelled`; pending again → `requeued`; in none of
 * them, or in another state → `reassigned`.
 */
export function whatWasSeen(id: JobId, lists: readonly (readonly Job[])[]): Seen {
  const key = String(id);
  for (const list of lists) {
    const record = list.find((job) => String(job.id) === key);
    if (record === undefined) continue;
    if (record.status === "cancelled") {
      const reason = record.cancel_reason;
      return typeof reason === "string" && reason.trim() !== "" ? { seen: "cancelled", reason } : { seen: "cancelled" };
    }
    return { seen: record.status === "pending" ? "requeued" : "reassigned" };
  }
  return { seen: "reassigned" };
}
