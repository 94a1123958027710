/**
 * The run loop behind `Worker.run()`: heartbeats on their own timer, claims
 * only what it has room for, runs handlers concurrently, delivers every
 * result, rides out outages, and shuts down in steps. This file holds the
 * loop's turn and its start and stop; each concern lives in a part beside it.
 */
import { sleep } from "../http/backoff.js";
import { exitBySignal, onShutdownSignals } from "../signals.js";
import type { JobId } from "../types.js";
import type { EmitEvent, StopReason } from "../worker-events.js";
import type { WorkerStatus } from "../worker-status.js";
import { Claimer } from "./claimer.js";
import { classifyLoopFailure, outageDelay } from "./classify.js";
import { Executor } from "./executor.js";
import { CoordinatorHealth } from "./health.js";
import { Heartbeats } from "./heartbeats.js";
import { JobLedger } from "./ledger.js";
import { Outbox } from "./outbox.js";
import { OwnershipWatch } from "./ownership-watch.js";
import { shutDown } from "./shutdown.js";
import type { LoopContext, LoopSettings, LoopWorker, RunOptions } from "./types.js";

/** One run of a worker; `Worker.run()` makes a new one each time. */
export class RunLoop {
  readonly #ctx: LoopContext;
  readonly #heartbeats: Heartbeats;
  readonly #outbox: Outbox;
  readonly #executor: Executor;
  readonly #claimer: Claimer;
  /** Aborted when a stop is asked for: wakes every wait of the loop. */
  readonly #stopping = new AbortController();
  /** When and why the stop was asked for: the grace period counts from then, not from when the loop noticed. */
  #stop: { at: number; reason: StopReason } | undefined;
  #wake: (() => void) | undefined;
  #fatal: unknown;
  #startedAt: number | undefined;
  #finished: Promise<void> | undefined;

  constructor(worker: LoopWorker, settings: LoopSettings, options: RunOptions, emit: EmitEvent) {
    const ledger = new JobLedger();
    this.#ctx = {
      worker,
      settings,
      options,
      logger: worker.logger,
      ledger,
      health: new CoordinatorHealth(worker.logger, emit),
      emit,
      fail: (error) => this.#fail(error),
      wake: () => this.#wake?.(),
    };
    this.#heartbeats = new Heartbeats(this.#ctx);
    this.#outbox = new Outbox(this.#ctx);
    this.#executor = new Executor(this.#ctx, this.#outbox);
    this.#claimer = new Claimer(this.#ctx, this.#executor);
  }

  /** Runs until stopped; rejects only with a fatal error (a refused token, a permission the runtime refuses). */
  run(): Promise<void> {
    this.#finished ??= this.#run();
    return this.#finished;
  }

  /** Asks for a stop and waits for the run to end; never rejects. */
  async stop(): Promise<void> {
    this.#requestStop("stop");
    await this.#finished?.catch(() => {});
  }

  /** Cancels a running job (see {@link Executor.cancel}). */
  cancel(id: JobId, reason: unknown): boolean {
    return this.#executor.cancel(id, reason);
  }

  /** A plain-data snapshot for `worker.status()`. */
  status(ended: boolean): WorkerStatus {
    const state = ended ? "stopped" : this.#stop ? "stopping" : "running";
    return {
      state,
      paused: this.#claimer.paused,
      startedAt: this.#startedAt,
      ...this.#ctx.ledger.snapshot(),
      ...this.#ctx.health.snapshot(),
    };
  }

  async #run(): Promise<void> {
    const { signal, handleSignals = true } = this.#ctx.options;
    if (signal?.aborted) return;
    const { logger, emit, worker, settings } = this.#ctx;
    this.#startedAt = Date.now();
    const onAbort = () => this.#requestStop("run-signal");
    signal?.addEventListener("abort", onAbort, { once: true });
    let watch: OwnershipWatch | undefined;
    const removeSignalHandlers = handleSignals
      ? onShutdownSignals(
          (name) => {
            logger.info(`${name} received: finishing in-flight jobs (send it again to exit at once)`);
            this.#requestStop("signal", name);
          },
          (name) => {
            logger.warn(`${name} received again: exiting now; the coordinator will requeue unfinished jobs`);
            exitBySignal(name);
          },
        )
      : () => {};
    try {
      logger.info(`worker "${worker.name}" started against ${worker.url} (concurrency ${settings.concurrency})`);
      emit("worker:started", { concurrency: settings.concurrency });
      await this.#heartbeats.start();
      watch = this.#watchOwnership();
      await this.#loop();
      await shutDown(
        {
          ctx: this.#ctx,
          claimer: this.#claimer,
          executor: this.#executor,
          outbox: this.#outbox,
          heartbeats: this.#heartbeats,
          fatal: () => this.#fatal,
        },
        this.#stop?.at ?? Date.now(),
      );
    } finally {
      watch?.close();
      this.#heartbeats.stop();
      this.#outbox.close();
      signal?.removeEventListener("abort", onAbort);
      removeSignalHandlers();
    }
    const reason = this.#fatal === undefined ? (this.#stop?.reason ?? "stop") : "fatal";
    emit("worker:stopped", this.#fatal === undefined ? { reason } : { reason, error: this.#fatal });
    if (this.#fatal !== undefined) throw this.#fatal;
    logger.info(`worker "${worker.name}" stopped`);
  }

  /** The coordinator's word to running handlers: jobs no longer this worker's are cancelled. */
  #watchOwnership(): OwnershipWatch {
    const { worker, ledger, logger, settings } = this.#ctx;
    return new OwnershipWatch({
      inbox: (status, options) => worker.inbox(status, options),
      inboxRoute: worker.inboxRoute,
      held: () => ledger.inPhase("running").map((record) => ({ id: record.job.id, since: record.seq })),
      stamp: () => ledger.stamp(),
      lose: (error) => this.#executor.cancel(error.jobId, error),
      logger,
      intervalMs: settings.pollIntervalMs,
    });
  }

  async #loop(): Promise<void> {
    const { ledger, health, settings } = this.#ctx;
    const signal = this.#stopping.signal;
    while (!signal.aborted) {
      const room = settings.concurrency - ledger.slotsHeld;
      if (room <= 0) {
        await this.#waitForChange();
        continue;
      }
      try {
        const { started, drained } = await this.#claimer.fill(room, signal);
        if (health.recovered(started === 0)) this.#claimer.lookForOrphans();
        if (started === 0 && drained) {
          this.#claimer.endRound();
          await sleep(settings.pollIntervalMs, signal);
        }
      } catch (error) {
        const verdict = classifyLoopFailure(error, signal.aborted);
        if (verdict === "stop") break;
        if (verdict === "fatal") {
          this.#ctx.logger.error(`${(error as Error).message} Stopping the worker.`);
          this.#fail(error);
          break;
        }
        const delay = outageDelay(health.failures);
        health.unreachable(error, delay);
        await sleep(delay, signal);
      }
    }
  }

  /** Waits until a job frees its slot or a stop is asked for. */
  #waitForChange(): Promise<void> {
    if (this.#stopping.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #requestStop(reason: StopReason, signalName?: string): void {
    if (!this.#stop) {
      this.#stop = { at: Date.now(), reason };
      this.#stopping.abort();
      this.#ctx.emit(
        "worker:stopping",
        reason === "fatal" ? { reason, error: this.#fatal } : { reason, signal: signalName },
      );
    }
    this.#wake?.();
  }

  #fail(error: unknown): void {
    if (this.#fatal === undefined) this.#ctx.health.fatal(error);
    this.#fatal ??= error;
    this.#requestStop("fatal");
  }
}
