/**
 * Whether the coordinator has paused this worker, read from its answers alone
 * (PROTOCOL.md: a paused worker's claims are refused with 409; its heartbeats
 * and inbox still answer). A 409 on its own says only that the job is not
 * ours to take; a 409 for a job the inbox then still lists as pending for
 * this worker says the refusal is about the worker: it is paused (by an
 * admin, or by the killswitch).
 */
import type { Job, JobId } from "../types.js";

/** Refusals remembered at most: a coordinator that refuses everything must not grow the set without bound. */
const REFUSED_LIMIT = 1_000;

/** What a claim's answer, or a pending list, changed. */
export type PauseChange = "paused" | "resumed" | undefined;

export class PauseTracker {
  /** Jobs whose claim was refused with 409 in this round of the loop. */
  #refused = new Set<string>();
  #pausedAt: number | undefined;
  /** Whether this round's one claim of a paused worker went out. */
  #probed = false;

  /** Whether the worker is paused, as last seen. */
  get paused(): boolean {
    return this.#pausedAt !== undefined;
  }

  /** When the pause was first seen (ms since the epoch), while paused. */
  get pausedAt(): number | undefined {
    return this.#pausedAt;
  }

  /** A claim was refused with 409. */
  refused(id: JobId): void {
    if (this.#refused.size >= REFUSED_LIMIT) this.#refused.clear();
    this.#refused.add(String(id));
  }

  /** A claim was accepted: the worker takes jobs, so it is not paused. */
  accepted(): PauseChange {
    this.#refused.clear();
    if (this.#pausedAt === undefined) return undefined;
    this.#pausedAt = undefined;
    return "resumed";
  }

  /**
   * A pending list arrived. It starts a pause when it lists a job whose claim
   * was refused in this round: nobody else holds a job that is still pending.
   */
  listed(pending: readonly Job[], now: number): PauseChange {
    if (this.#pausedAt !== undefined || this.#refused.size === 0) return undefined;
    const again = pending.some((job) => job.status === "pending" && this.#refused.has(String(job.id)));
    if (!again) return undefined;
    this.#pausedAt = now;
    return "paused";
  }

  /**
   * The loop's round ended (it sleeps a poll interval): refusals older than
   * that no longer count, so a job refused as taken, then requeued later, is
   * not taken for a pause.
   */
  roundEnded(): void {
    this.#refused.clear();
    this.#probed = false;
  }

  /**
   * How many claims may go out now, with `room` free slots: all of them, but
   * while paused one a round (a probe, so that the end of the pause is seen),
   * which this call counts as sent.
   */
  allowClaims(room: number): number {
    if (this.#pausedAt === undefined || room <= 0) return room;
    if (this.#probed) return 0;
    this.#probed = true;
    return 1;
  }
}
