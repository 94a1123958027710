/**
 * SIGINT and SIGTERM while a worker runs: the first asks for a clean stop,
 * a second one forces the process to end.
 */

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Calls `graceful` on the first SIGINT/SIGTERM and `forced` on the next.
 * Returns a function that removes the listeners again.
 */
export function onShutdownSignals(graceful: (signal: string) => void, forced: (signal: string) => void): () => void {
  let received = false;
  const listener = (signal: NodeJS.Signals) => {
    if (received) forced(signal);
    else {
      received = true;
      graceful(signal);
    }
  };
  for (const signal of SIGNALS) process.on(signal, listener);
  return () => {
    for (const signal of SIGNALS) process.off(signal, listener);
  };
}

/** Ends the process with the exit code a shell gives a process killed by `signal`. */
export function exitBySignal(signal: string): never {
  process.exit(signal === "SIGTERM" ? 143 : 130);
}
