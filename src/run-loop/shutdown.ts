/**
 * The stop sequence, step by step: let claims land, give running jobs the rest
 * of the grace period, abort what is left, report the last results side by
 * side under one deadline, say offline, and log what could not be delivered.
 */
import { errorMessage, isTokenRefused } from "../errors.js";
import type { Claimer } from "./claimer.js";
import type { Executor } from "./executor.js";
import type { Heartbeats } from "./heartbeats.js";
import type { JobRecord } from "./ledger.js";
import type { Outbox } from "./outbox.js";
import type { LoopContext } from "./types.js";
import { FINAL_CALL_TIMEOUT_MS, within } from "./wait.js";

/** How long aborted handlers get to return before their jobs are failed anyway. */
const ABORT_WAIT_MS = 1_000;
/** The most the last results of a stop may take, retries included: a stop ends in bounded time. */
const FINAL_RESULTS_MS = 10_000;

/** The parts a stop goes through. */
export interface ShutdownParts {
  readonly ctx: LoopContext;
  readonly claimer: Claimer;
  readonly executor: Executor;
  readonly outbox: Outbox;
  readonly heartbeats: Heartbeats;
  /** The fatal error that ended the run, if one did (it may be set during the stop). */
  fatal(): unknown;
}

/** Runs every step of a stop; the grace period counts from `stopRequestedAt`. */
export async function shutDown(parts: ShutdownParts, stopRequestedAt: number): Promise<void> {
  await landClaims(parts);
  await waitForGrace(parts, stopRequestedAt);
  await abortLeft(parts);
  if (isTokenRefused(parts.fatal())) {
    // The token is refused: nothing more can be reported; the coordinator requeues what is left.
    for (const record of parts.ctx.ledger.inPhase("running")) parts.executor.abandon(record);
    parts.heartbeats.stop();
    parts.outbox.close();
  } else {
    await reportLast(parts);
    await parts.heartbeats.offline();
  }
  warnStillDelivering(parts);
  parts.outbox.giveUpLeftovers();
}

/** Claims still out may yet make jobs ours: let them land (and start) first, so the grace period covers those jobs too. */
async function landClaims({ ctx, claimer }: ShutdownParts): Promise<void> {
  await Promise.allSettled(ctx.ledger.inPhase("claiming").map((record) => record.done));
  const failure = claimer.takeFailure();
  if (failure) {
    // The loop is gone and will not back off on it: say so, and a refused token is still fatal.
    if (isTokenRefused(failure.error)) ctx.fail(failure.error);
    ctx.logger.warn(`a claim failed as the worker was stopping: ${errorMessage(failure.error)}`);
  }
}

/** Jobs in flight: running, or sending their result for the first time. */
const inFlight = ({ ctx }: ShutdownParts) => ctx.ledger.inPhase("running", "delivering", "cancelling");
const allDone = (records: JobRecord[]) => Promise.allSettled(records.map((record) => record.done));

async function waitForGrace(parts: ShutdownParts, stopRequestedAt: number): Promise<void> {
  const { ctx } = parts;
  const records = inFlight(parts);
  if (parts.fatal() !== undefined || records.length === 0) return;
  ctx.logger.info(`stopping: waiting up to ${ctx.settings.shutdownGraceMs} ms for ${records.length} job(s)`);
  const graceLeft = ctx.settings.shutdownGraceMs - (Date.now() - stopRequestedAt);
  await within(allDone(records), Math.max(0, graceLeft));
}

async function abortLeft(parts: ShutdownParts): Promise<void> {
  if (inFlight(parts).length === 0) return;
  parts.executor.abortRunning();
  await within(allDone(inFlight(parts)), ABORT_WAIT_MS);
}

/**
 * Handlers that returned in time may still be delivering their results: wait for those too
 * (bounded), or a result could fail after run() resolved, with nobody left to retry it. The
 * last calls go out side by side, within one deadline: how long a stop takes does not grow
 * with the number of jobs, nor with a coordinator that does not answer.
 */
async function reportLast(parts: ShutdownParts): Promise<void> {
  const { ctx, executor, outbox } = parts;
  const deadline = AbortSignal.timeout(FINAL_RESULTS_MS);
  const delivering = ctx.ledger.inPhase("delivering");
  const unsettled = ctx.ledger.inPhase("running");
  await Promise.all([
    within(allDone(delivering), FINAL_CALL_TIMEOUT_MS),
    ...unsettled.map((record) => executor.cutShort(record, { timeoutMs: FINAL_CALL_TIMEOUT_MS, signal: deadline })),
  ]);
  await outbox.flush(deadline);
}

function warnStillDelivering({ ctx }: ShutdownParts): void {
  for (const record of ctx.ledger.inPhase("delivering")) {
    ctx.logger.warn(`job ${record.job.id}'s result is still being delivered as the worker stops`);
  }
}
