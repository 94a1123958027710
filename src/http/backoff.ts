/**
 * Delays between attempts: exponential with full jitter, capped. One function
 * for the per-call retries and the run loop's outage back-off, so both spread
 * load the same way when many workers lose the coordinator at once.
 */

/** How a back-off grows. */
export interface BackoffPolicy {
  /** The delay ceiling of the first retry, in ms. */
  baseMs: number;
  /** No delay exceeds this, in ms. */
  capMs: number;
}

/** Per-call retries: 0.5 s, 1 s, 2 s ... ceilings, at most 8 s. */
export const RETRY_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 8_000 };

/** The run loop's outage back-off: 1 s, 2 s, 4 s ... ceilings, at most 30 s. */
export const LOOP_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 30_000 };

/**
 * The delay before retry number `attempt` (0 for the first retry): a uniform
 * draw from [0, min(cap, base * 2^attempt)] ("full jitter").
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}

/**
 * Waits `ms`, or less if `signal` aborts; never rejects. Resolves `true` when
 * the full time passed.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
