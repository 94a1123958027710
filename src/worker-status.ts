/** The shape of `worker.status()`: plain data, cheap to take, safe to serialise. */
import type { JobId } from "./types.js";

/** Where a job in hand is. */
export type JobPhase =
  /** Its claim is sent and not answered yet. */
  | "claiming"
  /** Its handler runs. */
  | "running"
  /** Its result is being sent for the first time. */
  | "delivering"
  /** It was cancelled; its handler has not returned yet and still holds a slot. */
  | "cancelling"
  /** Its result could not be sent yet: it is kept and tried again. */
  | "undelivered";

/** A job the worker holds, in `status().jobs`. */
export interface JobInHand {
  id: JobId;
  phase: JobPhase;
  /** When it entered `phase` (epoch ms). */
  since: number;
}

/** Counts since `run()` started. */
export interface JobCounts {
  /** Jobs that became ours (accepted claims and adopted jobs). */
  claimed: number;
  completed: number;
  failed: number;
  cancelled: number;
}

/** A snapshot of a worker, from `worker.status()`. Times are epoch ms, `undefined` when it has not happened yet. */
export interface WorkerStatus {
  /** `idle` before the first `run()`, `running`, `stopping` once a stop began, `stopped` after `run()` ended. */
  state: "idle" | "running" | "stopping" | "stopped";
  /**
   * Whether the coordinator has paused this worker (claims refused until it resumes), as its
   * claims' answers last showed: with no job waiting for it, a worker cannot tell.
   */
  paused: boolean;
  /** When the current (or last) `run()` started. */
  startedAt: number | undefined;
  /** Jobs in hand, oldest first. */
  jobs: JobInHand[];
  /** Results waiting to be delivered (the `undelivered` jobs). */
  undelivered: number;
  counts: JobCounts;
  /** When a heartbeat was last answered. */
  lastHeartbeatAt: number | undefined;
  /** When the coordinator last answered a call of the loop (an inbox, a claim, a result, a heartbeat). */
  lastAnswerAt: number | undefined;
  /** Calls of the loop that failed in a row (0 while the coordinator answers). */
  consecutiveFailures: number;
  /**
   * What is failing, as the log named it: the message of the latest failed call while failures go
   * on (the cause and what to do: a URL where nothing listens, a page that is not a coordinator's),
   * or of the refused token that ended `run()`; `undefined` while the coordinator answers.
   */
  lastFailure: string | undefined;
}
