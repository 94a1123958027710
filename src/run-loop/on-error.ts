/** `RunOptions.onError`: the user's hook for failed jobs, which can never break the loop. */
import { errorMessage } from "../errors.js";
import type { Job } from "../types.js";
import type { LoopContext } from "./types.js";

/** Hands a failure to `onError`, if given; its throws and rejections are logged. */
export function callOnError(ctx: LoopContext, job: Job, error: unknown): void {
  const { onError } = ctx.options;
  if (!onError) return;
  const hookFailed = (hookError: unknown) =>
    ctx.logger.error(`onError threw for job ${job.id}; the worker goes on: ${errorMessage(hookError)}`);
  try {
    Promise.resolve(onError(job, error)).catch(hookFailed);
  } catch (hookError) {
    hookFailed(hookError);
  }
}
