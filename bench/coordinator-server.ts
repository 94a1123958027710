/**
 * The local coordinator in its own process, so that the worker process's CPU
 * and memory are measured alone. Listens on a free loopback port, prints its
 * URL, and takes commands from bench/run.ts over the IPC channel:
 *
 * - `reset`: forgets jobs, presence, the request log and the counters below;
 * - `dispatch {worker, n, stamp}`: dispatches n no-op jobs to `worker`;
 * - `feed {worker, outstanding, total, stamp}`: keeps `outstanding` jobs in
 *   flight: a new one is dispatched the moment one completes, until `total`;
 * - `awaitCompletions {worker, n}`: answers once `worker` has completed n jobs,
 *   with the monotonic time (process.hrtime, shared by every process on the
 *   machine) at which the n-th completion was accepted;
 * - `counts`: requests answered since the last reset, by route;
 * - `memory`, `cpu`: this process's memory use and CPU time (µs).
 *
 * With `stamp`, a job's `input.t0` is the monotonic time (ns, as a string)
 * just before its dispatch: the worker subtracts it from its own clock.
 */
import { createCoordinator } from "modelreins-worker/testing";
import { parentPeer } from "./ipc.js";

// 2 GiB - 1: the most the coordinator accepts, room for a 1 GiB upload and its multipart framing.
const maxBodyBytes = Number(process.env.BENCH_MAX_BODY_BYTES ?? 2 ** 31 - 1);
const coordinator = createCoordinator({ maxBodyBytes });

let completions = new Map<string, number>();
let feeds = new Map<string, { remaining: number; stamp: boolean }>();
let waiters: { worker: string; n: number; resolve: (value: { at: string }) => void }[] = [];
let counts: Record<string, number> = {};
let total = 0;

function dispatchOne(worker: string, stamp: boolean): void {
  coordinator.dispatch({
    prompt: "noop",
    assigned_to: worker,
    ...(stamp ? { input: { t0: process.hrtime.bigint().toString() } } : {}),
  });
}

coordinator.on((event) => {
  if (event.type === "request") {
    const route = event.request.route ?? "unmatched";
    counts[route] = (counts[route] ?? 0) + 1;
    total++;
    return;
  }
  if (event.type !== "complete") return;
  const at = process.hrtime.bigint().toString();
  const n = (completions.get(event.worker) ?? 0) + 1;
  completions.set(event.worker, n);
  const feed = feeds.get(event.worker);
  if (feed && feed.remaining > 0) {
    feed.remaining--;
    dispatchOne(event.worker, feed.stamp);
  }
  if (waiters.length > 0) {
    const ready = waiters.filter((w) => w.worker === event.worker && w.n <= n);
    if (ready.length > 0) {
      waiters = waiters.filter((w) => !ready.includes(w));
      for (const w of ready) w.resolve({ at });
    }
  }
});

interface DispatchArgs {
  worker: string;
  n: number;
  stamp?: boolean;
}

const listener = await coordinator.listen({ port: 0 });

parentPeer({
  reset() {
    coordinator.reset();
    completions = new Map();
    feeds = new Map();
    waiters = [];
    counts = {};
    total = 0;
    return true;
  },
  dispatch(args) {
    const { worker, n, stamp = false } = args as DispatchArgs;
    for (let i = 0; i < n; i++) dispatchOne(worker, stamp);
    return n;
  },
  feed(args) {
    const {
      worker,
      outstanding,
      total: all,
      stamp = false,
    } = args as DispatchArgs & {
      outstanding: number;
      total: number;
    };
    const first = Math.min(outstanding, all);
    feeds.set(worker, { remaining: all - first, stamp });
    for (let i = 0; i < first; i++) dispatchOne(worker, stamp);
    return first;
  },
  awaitCompletions(args) {
    const { worker, n } = args as { worker: string; n: number };
    if ((completions.get(worker) ?? 0) >= n) return { at: process.hrtime.bigint().toString() };
    return new Promise((resolve) => waiters.push({ worker, n, resolve }));
  },
  counts() {
    return { total, byRoute: { ...counts } };
  },
  memory() {
    return process.memoryUsage();
  },
  cpu() {
    const { user, system } = process.cpuUsage();
    return user + system;
  },
});

process.send?.({ type: "ready", url: listener.url, workerToken: coordinator.workerToken, pid: process.pid });
console.log(listener.url);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void coordinator.close().finally(() => process.exit(0));
  });
}
