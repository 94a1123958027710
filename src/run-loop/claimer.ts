/**
 * Finds and claims work: the candidates from the last `pending` inbox, claims
 * sent in the background, and orphans (jobs running in this worker's name that
 * are not being worked on here).
 */
import { errorMessage } from "../errors.js";
import type { Job } from "../types.js";
import { classifyClaimFailure } from "./classify.js";
import type { Executor } from "./executor.js";
import { PauseTracker } from "./pause.js";
import type { LoopContext } from "./types.js";

/** What one {@link Claimer.fill} did. */
export interface FillResult {
  /** Jobs taken: claims sent plus orphans started. */
  started: number;
  /** No candidates are left from the last inbox: the loop may sleep. */
  drained: boolean;
}

export class Claimer {
  readonly #ctx: LoopContext;
  readonly #executor: Executor;
  #candidates: Job[] = [];
  /** Whether the next fill asks for the `running` list first. */
  #lookForOrphans = true;
  /** The first claim that failed since the loop last filled: the loop backs off on it. */
  #failure: { error: unknown } | undefined;
  /** Whether the coordinator has paused this worker, read from its claims' answers. */
  readonly #pause = new PauseTracker();

  constructor(ctx: LoopContext, executor: Executor) {
    this.#ctx = ctx;
    this.#executor = executor;
  }

  /** Whether the coordinator has paused this worker, as its last answers showed. */
  get paused(): boolean {
    return this.#pause.paused;
  }

  /** The loop sleeps between polls: refused jobs may be claimed again after it, and refusals before it no longer count. */
  endRound(): void {
    this.#ctx.ledger.forgetRefusals();
    this.#pause.roundEnded();
  }

  /** Makes the next fill look for orphans (after an outage, a claim's answer may have been lost). */
  lookForOrphans(): void {
    this.#lookForOrphans = true;
  }

  /**
   * Takes up to `room` jobs: orphans started, claims sent.
   * @throws the first background claim failure since the last fill, or the inbox's failure.
   */
  async fill(room: number, signal: AbortSignal): Promise<FillResult> {
    const failure = this.takeFailure();
    if (failure) throw failure.error;
    const { worker, ledger, health, emit } = this.#ctx;
    let started = 0;
    if (this.#lookForOrphans) {
      this.#lookForOrphans = false;
      started += await this.#adoptOrphans(room, signal);
    }
    if (this.#candidates.length === 0 && started < room) {
      const jobs = await worker.inbox("pending", { signal });
      health.answered(true);
      emit("inbox:polled", { jobs: jobs.length });
      if (this.#pause.listed(jobs, Date.now()) === "paused") {
        this.#ctx.logger.info(
          `paused by the coordinator (it refuses this worker's claims while jobs wait for it): waiting, with heartbeats going on, and trying one claim every ${this.#ctx.settings.pollIntervalMs} ms`,
        );
        emit("worker:paused", { since: this.#pause.pausedAt as number });
      }
      this.#candidates = jobs.filter((job) => ledger.isClaimable(job));
    }
    if (this.#pause.paused && started < room) started += await this.#probe(signal);
    if (this.#pause.paused) {
      this.#candidates = [];
      return { started, drained: true };
    }
    while (started < room && this.#candidates.length > 0 && !signal.aborted) {
      const job = this.#candidates.shift() as Job;
      if (!ledger.isClaimable(job)) continue;
      void this.#claimInBackground(job);
      started++;
    }
    return { started, drained: this.#candidates.length === 0 };
  }

  /** The claim failure not yet seen by the loop, taken (at a stop, the loop is gone). */
  takeFailure(): { error: unknown } | undefined {
    const failure = this.#failure;
    this.#failure = undefined;
    return failure;
  }

  /**
   * Claims a job without waiting for the answer, so the next free slot is filled at once: one
   * claim at a time, or a batch awaited whole, held concurrency 8 and 32 to a fraction of the
   * requests in flight that a hand-written loop keeps (bench/). The claim holds a slot until
   * answered; the job starts when it is ours; a failure reaches the loop at its next fill.
   */
  #claimInBackground(job: Job): Promise<void> {
    const { ledger, health } = this.#ctx;
    const record = ledger.add(job, "claiming");
    // No `finally` step, and no wake for a job that starts (its slot stays held: nothing for the
    // loop to do): on the hot path each promise and each turn of the loop counts (bench/).
    record.done = this.#claim(job).then(
      (claimed) => {
        health.answered(true);
        if (claimed === undefined) {
          ledger.release(record);
          this.#ctx.wake();
          return;
        }
        const pausedAt = this.#pause.pausedAt;
        if (this.#pause.accepted() === "resumed") {
          this.#ctx.logger.info("claims are accepted again: the coordinator resumed this worker");
          this.#ctx.emit("worker:resumed", { pausedMs: Date.now() - (pausedAt as number) });
        }
        this.#executor.start(claimed, false, record);
      },
      (error: unknown) => {
        ledger.release(record);
        this.#failure ??= { error };
        this.#ctx.wake();
      },
    );
    return record.done;
  }

  /**
   * While paused, quietly: one claim a round, awaited, whose answer says whether the pause is
   * over; if it is, the rest of the candidates are claimed at once. Returns 1 when the claim
   * was accepted (a job started), else 0: the loop then sleeps out the round.
   */
  async #probe(signal: AbortSignal): Promise<number> {
    const probe = this.#pause.probe(this.#candidates.filter((job) => this.#ctx.ledger.isClaimable(job)));
    if (probe === undefined || signal.aborted) return 0;
    this.#candidates = this.#candidates.filter((job) => job !== probe);
    await this.#claimInBackground(probe);
    return this.#pause.paused ? 0 : 1;
  }

  async #claim(job: Job): Promise<Job | undefined> {
    try {
      // Not tied to the stop signal: a claim cut off mid-flight could leave the job ours without our knowing.
      return await this.#ctx.worker.claim(job.id);
    } catch (error) {
      const verdict = classifyClaimFailure(error);
      if (verdict.lookForOrphans) this.#lookForOrphans = true;
      if (verdict.action === "back-off") throw error;
      this.#ctx.ledger.refuse(job.id);
      if (verdict.why === "taken") {
        this.#pause.refused(job.id);
        this.#ctx.logger.debug(
          `job ${job.id} was refused (409: taken by another worker, or this one is paused); skipping it`,
        );
      } else this.#ctx.logger.warn(`job ${job.id} cannot be claimed (${errorMessage(error)}); skipping it`);
      return undefined;
    }
  }

  async #adoptOrphans(room: number, signal: AbortSignal): Promise<number> {
    const { worker, ledger, logger } = this.#ctx;
    const running = await worker.inbox("running", { signal });
    // Only jobs the answer shows as running in this worker's name: a coordinator that ignores the
    // `status` query (or lists other workers' jobs) must not make us run a job nobody claimed.
    const orphans = running.filter(
      (job) =>
        job.status === "running" &&
        (job.assigned_to == null || job.assigned_to === worker.name) &&
        !ledger.isKnown(job.id),
    );
    for (const job of orphans.slice(0, room)) {
      logger.info(`job ${job.id} is running in this worker's name but not here (a lost claim answer?): taking it up`);
      this.#executor.start(job, true);
    }
    if (orphans.length > room) this.#lookForOrphans = true;
    return Math.min(orphans.length, room);
  }
}
