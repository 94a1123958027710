/**
 * The reliability soak: many jobs through the local coordinator over real HTTP
 * on loopback, with the fault mix of test/reliability (drops before and after
 * the coordinator acted, 5xx, 429 with Retry-After, 408, stalls) on claim,
 * complete, inbox and heartbeat, and the coordinator's listener restarted now
 * and then. Prints progress, then a verdict; exits 0 on PASS, 1 on FAIL.
 *
 *   npx tsx scripts/soak.ts [--jobs 20000] [--minutes 10] [--workers 4] [--concurrency 8]
 *                           [--idempotency off|on] [--fault-scale 1] [--restart-every 90]
 *                           [--down-seconds 3] [--progress-every 10] [--seed 1] [--verbose]
 *
 * Jobs are fed as the workers take them (a backlog of a few per slot) until
 * --jobs were created or --minutes have passed; then the soak waits for the
 * backlog to drain, stops the workers and checks:
 * - every job created is done, with its own result, completed exactly once;
 * - no job ran twice unless the coordinator requeued it;
 * - no worker's run() ended before it was stopped; no error was logged;
 * - every worker's last presence is "offline".
 * Ctrl-C stops feeding early and still gives the verdict.
 */
import { parseArgs } from "node:util";
import { type Job, type Logger, Worker } from "modelreins-worker";
import { type CoordinatorEvent, createCoordinator, type Listener } from "modelreins-worker/testing";
import { addFaults, faultMix } from "../test/reliability/support.js";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "20000" },
    minutes: { type: "string", default: "10" },
    workers: { type: "string", default: "4" },
    concurrency: { type: "string", default: "8" },
    idempotency: { type: "string", default: "off" },
    "fault-scale": { type: "string", default: "1" },
    "restart-every": { type: "string", default: "90" },
    "down-seconds": { type: "string", default: "3" },
    "progress-every": { type: "string", default: "10" },
    seed: { type: "string", default: "1" },
    verbose: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (args.help) {
  process.stdout.write(
    "usage: tsx scripts/soak.ts [--jobs N] [--minutes M] [--workers W] [--concurrency C] [--idempotency off|on]\n" +
      "                           [--fault-scale X] [--restart-every S] [--down-seconds S] [--progress-every S] [--seed N] [--verbose]\n",
  );
  process.exit(0);
}

function number(name: keyof typeof args, min: number): number {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value < min) {
    process.stderr.write(`--${name} must be a number >= ${min}; got ${String(args[name])}\n`);
    process.exit(2);
  }
  return value;
}

const TOTAL = Math.floor(number("jobs", 1));
const MINUTES = number("minutes", 0.01);
const WORKERS = Math.floor(number("workers", 1));
const CONCURRENCY = Math.floor(number("concurrency", 1));
const FAULT_SCALE = number("fault-scale", 0);
const RESTART_EVERY_S = number("restart-every", 0);
const DOWN_S = number("down-seconds", 0);
const PROGRESS_S = number("progress-every", 1);
const SEED = Math.floor(number("seed", 0));
const IDEMPOTENCY = args.idempotency === "on";
if (args.idempotency !== "on" && args.idempotency !== "off") {
  process.stderr.write(`--idempotency must be on or off; got ${String(args.idempotency)}\n`);
  process.exit(2);
}
/** How long to wait for the backlog after feeding stopped. */
const DRAIN_MS = 120_000;

const startedAt = Date.now();
const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)}s`;
const say = (line: string) => process.stdout.write(`[${elapsed()}] ${line}\n`);

// --- the coordinator, its events and its listener --------------------------------------------

const coordinator = createCoordinator({ idempotency: IDEMPOTENCY, seed: SEED });
let listener: Listener | undefined = await coordinator.listen({ port: 0 });
const url = listener.url;
const port = Number(new URL(url).port);

const stats = {
  created: 0,
  completed: 0,
  requeues: 0,
  faults: new Map<string, number>(),
  restarts: 0,
};
coordinator.on((event: CoordinatorEvent) => {
  if (event.type === "complete") stats.completed++;
  else if (event.type === "requeue") stats.requeues++;
  else if (event.type === "fault") stats.faults.set(event.kind, (stats.faults.get(event.kind) ?? 0) + 1);
});

// --- the workers --------------------------------------------------------------------------------

interface LogCounts {
  warn: number;
  error: number;
  errors: string[];
}
const logs: LogCounts = { warn: 0, error: 0, errors: [] };

function soakLogger(name: string): Logger {
  return {
    debug() {},
    info(message) {
      if (args.verbose) say(`${name} info: ${message}`);
    },
    warn(message) {
      logs.warn++;
      if (args.verbose) say(`${name} warn: ${message}`);
    },
    error(message) {
      logs.error++;
      if (logs.errors.length < 20) logs.errors.push(`${name}: ${message}`);
      say(`${name} ERROR: ${message}`);
    },
  };
}

const runs = new Map<number, number>();
const names = Array.from({ length: WORKERS }, (_, i) => `soak-${i}`);
const ended = new Set<string>();
const workers = names.map(
  (name) =>
    new Worker({
      url,
      token: coordinator.workerToken,
      name,
      concurrency: CONCURRENCY,
      pollIntervalMs: 50,
      heartbeatIntervalMs: 1_000,
      timeoutMs: 1_000,
      shutdownGraceMs: 10_000,
      logger: soakLogger(name),
    }),
);
const runsDone = workers.map((worker, i) =>
  worker
    .run(
      async (job: Job) => {
        const id = Number(job.id);
        runs.set(id, (runs.get(id) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 20)));
        return `r:${id}`;
      },
      { handleSignals: false },
    )
    .catch((error: unknown) => {
      say(`${names[i]}: run() ended with ${String(error)}`);
    })
    .finally(() => ended.add(names[i] ?? "?")),
);

addFaults(coordinator, faultMix(FAULT_SCALE));

// --- feeding, restarts, progress ------------------------------------------------------------------

let feeding = true;
process.once("SIGINT", () => {
  say("SIGINT: no more jobs; draining, then the verdict (Ctrl-C again to quit at once)");
  feeding = false;
  process.once("SIGINT", () => process.exit(130));
});

const backlogTarget = WORKERS * CONCURRENCY * 4;
const deadline = startedAt + MINUTES * 60_000;
let lastProgress = Date.now();
let lastCompleted = 0;
let nextRestart = RESTART_EVERY_S > 0 ? Date.now() + RESTART_EVERY_S * 1_000 : Number.POSITIVE_INFINITY;
let restarting: Promise<void> | undefined;

function progress(): void {
  const now = Date.now();
  const rate = ((stats.completed - lastCompleted) / ((now - lastProgress) / 1_000)).toFixed(0);
  lastProgress = now;
  lastCompleted = stats.completed;
  const faults = [...stats.faults.entries()].map(([kind, n]) => `${kind} ${n}`).join(", ");
  const rss = (process.memoryUsage().rss / 1024 / 1024).toFixed(0);
  say(
    `created ${stats.created}/${TOTAL}, completed ${stats.completed} (${rate}/s), requeues ${stats.requeues}, ` +
      `restarts ${stats.restarts}${listener ? "" : " (down)"} | faults: ${faults || "none"} | warnings ${logs.warn}, errors ${logs.error} | rss ${rss} MB`,
  );
}

async function restart(): Promise<void> {
  say(`restarting the coordinator's listener (down for ${DOWN_S} s)`);
  await listener?.close();
  listener = undefined;
  await new Promise((resolve) => setTimeout(resolve, DOWN_S * 1_000));
  listener = await coordinator.listen({ port });
  stats.restarts++;
  say("the coordinator is back");
}

say(
  `soak: ${TOTAL} jobs or ${MINUTES} min, ${WORKERS} worker(s) x concurrency ${CONCURRENCY}, idempotency ${IDEMPOTENCY ? "on" : "off"}, ` +
    `fault scale ${FAULT_SCALE}, restart every ${RESTART_EVERY_S || "never"} s, at ${url}`,
);

let rr = 0;
while (feeding && stats.created < TOTAL && Date.now() < deadline) {
  const backlog = stats.created - stats.completed;
  for (let n = backlog; n < backlogTarget && stats.created < TOTAL; n++) {
    coordinator.createJob({ prompt: `soak ${stats.created}`, assigned_to: names[rr++ % WORKERS] ?? null });
    stats.created++;
  }
  if (Date.now() >= nextRestart && restarting === undefined) {
    restarting = restart().finally(() => {
      restarting = undefined;
      nextRestart = Date.now() + RESTART_EVERY_S * 1_000;
    });
  }
  if (Date.now() - lastProgress >= PROGRESS_S * 1_000) progress();
  await new Promise((resolve) => setTimeout(resolve, 20));
}
await restarting;
say(`feeding stopped after ${stats.created} jobs; draining`);

const drainUntil = Date.now() + DRAIN_MS;
const unfinished = () =>
  coordinator.jobs().filter((job) => job.status === "pending" || job.status === "running").length;
while (unfinished() > 0 && Date.now() < drainUntil) {
  if (Date.now() - lastProgress >= PROGRESS_S * 1_000) progress();
  await new Promise((resolve) => setTimeout(resolve, 100));
}
progress();

// --- the verdict ----------------------------------------------------------------------------------------

const problems: string[] = [];
const problem = (line: string) => {
  if (problems.length < 50) problems.push(line);
  else if (problems.length === 50) problems.push("... (more problems left out)");
};
const endedEarly = [...ended];
if (endedEarly.length > 0) problem(`run() ended before stop() for: ${endedEarly.join(", ")}`);

coordinator.faults.clear();
await Promise.all(workers.map((worker) => worker.stop()));
await Promise.all(runsDone);

const jobs = coordinator.jobs();
let ranTwice = 0;
for (const job of jobs) {
  if (job.status !== "done") problem(`job ${job.id} is ${job.status}`);
  else if (job.result !== `r:${job.id}`) problem(`job ${job.id} has the result ${JSON.stringify(job.result)}`);
  const completions = coordinator.completions(job.id);
  if (completions !== 1) problem(`job ${job.id} was completed ${completions} times`);
  const count = runs.get(job.id) ?? 0;
  if (count > 1) {
    ranTwice++;
    if (job.requeues === 0) problem(`job ${job.id} ran ${count} times without being requeued`);
  }
  if (count === 0 && job.status === "done") problem(`job ${job.id} is done but no handler ran it`);
}
if (jobs.length !== stats.created) problem(`${stats.created} jobs were created, the coordinator has ${jobs.length}`);
for (const name of names) {
  const status = coordinator.presence().find((p) => p.instance === name)?.status;
  if (status !== "offline") problem(`${name}'s last presence is ${String(status)}, not offline`);
}
if (logs.error > 0) problem(`${logs.error} error(s) logged, first: ${logs.errors.join(" | ")}`);

await listener?.close();
await coordinator.close();

const seconds = (Date.now() - startedAt) / 1_000;
const faultTotal = [...stats.faults.values()].reduce((a, b) => a + b, 0);
say(
  `${jobs.length} jobs in ${seconds.toFixed(0)} s, ${faultTotal} faults injected, ${stats.restarts} restart(s), ` +
    `${stats.requeues} requeue(s), ${ranTwice} job(s) run again after a requeue, ${logs.warn} warning(s)`,
);
if (problems.length === 0) {
  say("VERDICT: PASS — every job done once, with its own result; no job lost, none stuck; workers ran until stopped");
  process.exit(0);
} else {
  say(`VERDICT: FAIL — ${problems.length} problem(s):`);
  for (const line of problems) process.stdout.write(`  - ${line}\n`);
  process.exit(1);
}
