/**
 * Whether the coordinator has paused this worker, read from its answers alone
 * (PROTOCOL.md: a paused worker's claims are refused with 409; its heartbeats
 * and inbox still answer). A 409 on its own says only that the job is not
 * ours to take; a 409 for a job the inbox then still lists as pending for
 * this worker says the refusal is about the worker: it is paused (by an
 * admin, or by the killswitch).
 */
import type { Job, JobId } from "../types.js";

/** Ids remembered at most: a coordinator that refuses everything must not grow a set without bound. */
const ID_LIMIT = 1_000;

/** What a claim's answer, or a pending list, changed. */
export type PauseChange = "paused" | "resumed" | undefined;

export class PauseTracker {
  /** Jobs whose claim was refused with 409 in this round of the loop. */
  readonly #refused = new Set<string>();
  /** While paused: jobs probed since the probes last went round the candidates. */
  readonly #probed = new Set<string>();
  #probedThisRound = false;
  #pausedAt: number | undefined;

  /** Whether the worker is paused, as last seen. */
  get paused(): boolean {
    return this.#pausedAt !== undefined;
  }

  /** When the pause was first seen (epoch ms), while paused. */
  get pausedAt(): number | undefined {
    return this.#pausedAt;
  }

  /** A claim was refused with 409. */
  refused(id: JobId): void {
    add(this.#refused, String(id));
  }

  /** A claim was accepted: the worker takes jobs, so it is not paused. */
  accepted(): PauseChange {
    // Only when there is something to clear: a Set's clear() makes a new table even when empty, and this runs for every claim.
    if (this.#refused.size > 0) this.#refused.clear();
    if (this.#probed.size > 0) this.#probed.clear();
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
    if (!pending.some((job) => job.status === "pending" && this.#refused.has(String(job.id)))) return undefined;
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
    this.#probedThisRound = false;
  }

  /**
   * While paused, the one claim of this round, so that the end of the pause is
   * seen: a job not probed lately, so that one job the coordinator keeps
   * refusing for itself cannot hide the others. `undefined` once this round's
   * probe went out, or with no candidate.
   */
  probe(candidates: readonly Job[]): Job | undefined {
    if (this.#probedThisRound || candidates.length === 0) return undefined;
    let job = candidates.find((candidate) => !this.#probed.has(String(candidate.id)));
    if (job === undefined) {
      this.#probed.clear();
      job = candidates[0] as Job;
    }
    this.#probedThisRound = true;
    add(this.#probed, String(job.id));
    return job;
  }
}

function add(set: Set<string>, key: string): void {
  if (set.size >= ID_LIMIT) set.clear();
  set.add(key);
}
