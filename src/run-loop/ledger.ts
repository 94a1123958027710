/**
 * The job ledger: every job the run loop holds, in one map from id to the
 * job's phase and since when, plus the capped sets of jobs finished lately and
 * claims refused. Every question the loop asks about a job is a method here.
 */
import type { Job, JobId } from "../types.js";
import type { JobCounts, JobInHand, JobPhase } from "../worker-status.js";
import type { CompletionStatus } from "./types.js";

/** Job ids finished lately, so a stale "running" list does not bring one back: at least the last this many, at most twice as many. */
const RECENT_LIMIT = 1_000;
/** Phases that hold one of the `concurrency` slots. */
const SLOT_PHASES: ReadonlySet<JobPhase> = new Set(["claiming", "running", "delivering", "cancelling"]);

/** A result not delivered yet, as the outbox keeps it. */
export interface Delivery {
  readonly result: string;
  readonly status: CompletionStatus;
  /** Failed attempts of earlier calls (a call retries within itself too). */
  failures: number;
  /** When the next attempt is due (epoch ms). */
  nextAt: number;
  /** An attempt is under way: the outbox does not start another. */
  sending: boolean;
}

/** One job in hand. */
export interface JobRecord {
  /** The job as the last answer about it showed it: the inbox's, then the claim's. */
  readonly job: Job;
  readonly phase: JobPhase;
  readonly since: number;
  /** Its place in the ledger's order of events (see {@link JobLedger.stamp}): when it entered the ledger. */
  readonly seq: number;
  /** When its handler was called. */
  startedAt: number;
  /** Set once an outcome is fixed; a handler that returns later is ignored. */
  settled: boolean;
  /** Aborts the handler's `ctx.signal`. */
  readonly controller: AbortController;
  /** Resolves when the job no longer holds a slot: its claim is answered, or its handler returned and its result was sent once. */
  done: Promise<void>;
  /** Its result, once it is to be delivered. */
  delivery: Delivery | undefined;
}

type Mutable = { -readonly [K in keyof JobRecord]: JobRecord[K] };

const keyOf = (id: JobId) => String(id);
/** A record's `done` until its owner sets it: one settled promise for all, not one per job. */
const SETTLED: Promise<void> = Promise.resolve();

export class JobLedger {
  readonly #records = new Map<string, Mutable>();
  #slotsHeld = 0;
  /**
   * Finished lately, in two generations: when the newer is full it becomes the older, and the
   * older is dropped whole, so that forgetting costs nothing per job (no iterator, no delete).
   */
  #recent = new Set<string>();
  #olderRecent = new Set<string>();
  readonly #refused = new Set<string>();
  readonly #counts: JobCounts = { claimed: 0, completed: 0, failed: 0, cancelled: 0 };
  #seq = 0;

  /** Enters a job in `phase`. */
  add(job: Job, phase: JobPhase): JobRecord {
    const record: Mutable = {
      job,
      phase,
      since: Date.now(),
      seq: this.stamp(),
      startedAt: 0,
      settled: false,
      controller: new AbortController(),
      done: SETTLED,
      delivery: undefined,
    };
    this.#records.set(keyOf(job.id), record);
    if (SLOT_PHASES.has(phase)) this.#slotsHeld++;
    return record;
  }

  /**
   * The next number of a counter that orders the ledger's events exactly, even
   * within one millisecond: a job that entered after a "running" list was
   * asked for has a higher `seq` than the stamp taken when it was.
   */
  stamp(): number {
    return ++this.#seq;
  }

  /**
   * A claim was accepted: the claiming record, now running the job the claim's answer showed.
   * Stamped anew, since the job is this worker's from now (see {@link JobLedger.stamp}).
   */
  claimed(record: JobRecord, job: Job): JobRecord {
    if (keyOf(job.id) !== keyOf(record.job.id)) {
      // An answer about another job than the one claimed: that job is the one in hand.
      this.#remove(record);
      return this.add(job, "running");
    }
    const mutable = record as Mutable;
    mutable.job = job;
    mutable.seq = this.stamp();
    this.move(record, "running");
    return record;
  }

  /** Moves a job to `phase`. */
  move(record: JobRecord, phase: JobPhase): void {
    const mutable = record as Mutable;
    if (mutable.phase === phase) return;
    this.#slotsHeld += Number(SLOT_PHASES.has(phase)) - Number(SLOT_PHASES.has(mutable.phase));
    mutable.phase = phase;
    mutable.since = Date.now();
  }

  /** A job is done with here (its result delivered or given up): forgotten, but remembered as finished lately. */
  finish(record: JobRecord): void {
    if (!this.#remove(record)) return;
    const key = keyOf(record.job.id);
    if (this.#recent.size >= RECENT_LIMIT) {
      this.#olderRecent = this.#recent;
      this.#recent = new Set();
    }
    this.#recent.add(key);
  }

  /** A claim that did not make the job ours: forgotten. */
  release(record: JobRecord): void {
    this.#remove(record);
  }

  /** A claim refused for this job alone: not claimed again before the next poll sleep. */
  refuse(id: JobId): void {
    if (this.#refused.size >= RECENT_LIMIT) this.#refused.clear(); // a loop that never sleeps
    this.#refused.add(keyOf(id));
  }

  /** The loop sleeps between polls: refused jobs may be claimed again after it. */
  forgetRefusals(): void {
    this.#refused.clear();
  }

  /** Counts an event since start. */
  count(what: keyof JobCounts): void {
    this.#counts[what]++;
  }

  /** Slots held: jobs being claimed, run, delivered the first time, or cancelled and not returned. */
  get slotsHeld(): number {
    return this.#slotsHeld;
  }

  /** The job in hand with this id. */
  find(id: JobId): JobRecord | undefined {
    return this.#records.get(keyOf(id));
  }

  /** Jobs in hand: being claimed, running here, or with a result waiting to be delivered. */
  isBusyWith(id: JobId): boolean {
    return this.#records.has(keyOf(id));
  }

  /** For `running` lists: jobs in hand, or finished lately (a stale list must not bring one back). */
  isKnown(id: JobId): boolean {
    return this.isBusyWith(id) || this.#finishedLately(keyOf(id));
  }

  /**
   * For `pending` lists. A job finished here lately that the answer shows as `pending` again was
   * requeued or retried: it is claimed again (a stale list costs one 409). A job in another state
   * (a coordinator that ignores the status query) is claimed only if not finished here lately.
   */
  isClaimable(job: Job): boolean {
    const key = keyOf(job.id);
    if (this.#records.has(key) || this.#refused.has(key)) return false;
    return job.status === "pending" || !this.#finishedLately(key);
  }

  /** Jobs in `phase`, oldest first. */
  inPhase(...phases: JobPhase[]): JobRecord[] {
    return [...this.#records.values()].filter((record) => phases.includes(record.phase));
  }

  /** Plain data for `status()`. */
  snapshot(): { jobs: JobInHand[]; undelivered: number; counts: JobCounts } {
    const jobs: JobInHand[] = [];
    let undelivered = 0;
    for (const { job, phase, since } of this.#records.values()) {
      jobs.push({ id: job.id, phase, since });
      if (phase === "undelivered") undelivered++;
    }
    return { jobs, undelivered, counts: { ...this.#counts } };
  }

  #finishedLately(key: string): boolean {
    return this.#recent.has(key) || this.#olderRecent.has(key);
  }

  #remove(record: JobRecord): boolean {
    const key = keyOf(record.job.id);
    if (this.#records.get(key) !== record) return false;
    this.#records.delete(key);
    if (SLOT_PHASES.has(record.phase)) this.#slotsHeld--;
    return true;
  }
}
