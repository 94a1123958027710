/** Bounded waits of a stop: none leaves a timer or a listener behind. */
import { sleep } from "../http/backoff.js";

/** The timeout of each last call of a stop: the offline heartbeat, the results sent at the end. */
export const FINAL_CALL_TIMEOUT_MS = 5_000;

/** Waits for `promise`, or `ms` at most. */
export async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  const cancel = new AbortController();
  await Promise.race([promise, sleep(ms, cancel.signal)]);
  cancel.abort();
}

/** Waits for `promise`, or until `signal` aborts. */
export async function until(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener("abort", onAbort, { once: true });
  });
  await Promise.race([promise, aborted]);
  signal.removeEventListener("abort", onAbort);
}
