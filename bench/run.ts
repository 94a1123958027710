/**
 * How close the worker runs to the wire, and what it costs at rest.
 *
 *   node --import tsx bench/run.ts            # the full run (about 6 minutes)
 *   node --import tsx bench/run.ts --quick    # a smoke run (well under a minute)
 *
 * Options: --json <file> writes the raw results; --only a,b runs some
 * scenarios (throughput, latency, idle, upload, soak, loop, ops, startup);
 * --cpu-prof writes V8 CPU profiles of the worker processes to .tmp/bench-prof.
 *
 * Not a timed test: it measures and prints a table; it exits 0 when every
 * scenario ran (whether or not a goal was met) and 1 when one failed. The
 * coordinator runs in its own process (bench/coordinator-server.ts), each
 * worker scenario in a fresh process (bench/worker-process.ts); both, and the
 * temp directory, are removed on the way out, failure or not.
 */
import { type ChildProcess, fork, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Peer } from "./ipc.js";
import { median, percentile } from "./stats.js";
import type { ScenarioArgs } from "./worker-process.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
const CPU_PROF = argv.includes("--cpu-prof");
const jsonOut = argv.includes("--json") ? argv[argv.indexOf("--json") + 1] : undefined;
const only = argv.includes("--only") ? (argv[argv.indexOf("--only") + 1] ?? "").split(",") : undefined;
const wants = (scenario: string) => only === undefined || only.includes(scenario);
const option = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);

const MB = 1_000_000;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Every knob of both modes in one place. */
const PLAN = QUICK
  ? {
      throughput: { concurrencies: [1, 8, 32], jobs: { 1: 150, 8: 300, 32: 300 }, rounds: 2, warmupJobs: 50 },
      latency: { busy: [{ concurrency: 1, jobs: 100 }], rounds: 1, idleProbes: 8, pollIntervalMs: 100 },
      idle: { seconds: 5, warmupSeconds: 1 },
      floor: { seconds: 2, warmupSeconds: 0.5 },
      upload: { bytes: 128 * MiB },
      soak: { checkpoints: [250, 1000], batch: 250, concurrency: 8 },
      loop: { delaysMs: [0, 2], concurrencies: [1, 8, 32], jobs: 200, rounds: 1, warmupRuns: 1 },
      ops: { concurrency: 8, jobs: 300, loopJobs: 1000, rounds: 2, warmupJobs: 50 },
      importRuns: 3,
      timeoutMs: 60_000,
    }
  : {
      throughput: {
        concurrencies: [1, 8, 32],
        jobs: { 1: 1000, 8: 2000, 32: 2000 },
        rounds: 6,
        warmupJobs: 1000,
      },
      latency: {
        busy: [
          { concurrency: 1, jobs: 1000 },
          { concurrency: 8, jobs: 2000 },
        ],
        rounds: 2,
        idleProbes: 100,
        pollIntervalMs: 100,
      },
      idle: { seconds: 60, warmupSeconds: 3 },
      floor: { seconds: 20, warmupSeconds: 5 },
      upload: { bytes: GiB },
      soak: { checkpoints: [1000, 2000, 5000, 10000, 15000, 20000], batch: 1000, concurrency: 8 },
      loop: { delaysMs: [0, 2], concurrencies: [1, 8, 32], jobs: 2000, rounds: 6, warmupRuns: 3 },
      ops: { concurrency: 8, jobs: 1000, loopJobs: 5000, rounds: 6, warmupJobs: 300 },
      importRuns: 9,
      timeoutMs: 15 * 60_000,
    };
// For investigations: --rounds N and --concurrency 8,32 narrow the throughput runs.
if (option("--rounds")) PLAN.throughput.rounds = Number(option("--rounds"));
if (option("--concurrency")) PLAN.throughput.concurrencies = (option("--concurrency") as string).split(",").map(Number);

const children = new Set<ChildProcess>();
let tmpDir: string | undefined;

function cleanup(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  children.clear();
  if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = undefined;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping the bench and cleaning up\n`);
    cleanup();
    process.exit(130);
  });
}
process.once("exit", cleanup);

function forkTs(script: string, extraExecArgv: string[] = []): ChildProcess {
  const child = fork(join(ROOT, "bench", script), [], {
    cwd: ROOT,
    execArgv: ["--import", "tsx", ...extraExecArgv],
    stdio: ["ignore", "pipe", "inherit", "ipc"],
    env: { ...process.env, MODELREINS_LOG_LEVEL: "warn" },
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  child.stdout?.resume(); // the coordinator prints its URL there; the URL also comes over IPC
  return child;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface CoordinatorHandle {
  url: string;
  token: string;
  peer: Peer;
  child: ChildProcess;
}

async function startCoordinator(): Promise<CoordinatorHandle> {
  const child = forkTs("coordinator-server.ts");
  const peer = new Peer((message) => child.send(message as never));
  const ready = new Promise<{ url: string; workerToken: string }>((resolveReady, reject) => {
    child.on("message", (message) => {
      if (peer.receive(message)) return;
      const m = message as { type?: string; url?: string; workerToken?: string };
      if (m.type === "ready" && m.url && m.workerToken) resolveReady({ url: m.url, workerToken: m.workerToken });
    });
    child.once("exit", (code, signal) => {
      const error = new Error(`the coordinator process exited (${signal ?? code})`);
      peer.close(error);
      reject(error);
    });
  });
  const { url, workerToken } = await withTimeout(ready, 30_000, "starting the coordinator");
  return { url, token: workerToken, peer, child };
}

async function runScenario(
  coordinator: CoordinatorHandle,
  scenario: ScenarioArgs["scenario"],
  params: object,
  timeoutMs: number,
  profileName: string = scenario,
): Promise<unknown> {
  const execArgv = ["--expose-gc"];
  if (CPU_PROF) {
    // One directory per scenario (and variant); the default file names tell the main thread from tsx's loader thread.
    const dir = join(ROOT, ".tmp", "bench-prof", profileName);
    mkdirSync(dir, { recursive: true });
    execArgv.push("--cpu-prof", `--cpu-prof-dir=${dir}`);
  }
  const child = forkTs("worker-process.ts", execArgv);
  const peer = new Peer((message) => child.send(message as never), {
    coord: (args) => {
      const { cmd, args: inner } = args as { cmd: string; args?: unknown };
      return coordinator.peer.call(cmd, inner);
    },
  });
  child.on("message", (message) => peer.receive(message));
  const exited = new Promise<never>((_, reject) => {
    child.once("exit", (code, signal) => {
      const error = new Error(`the ${scenario} worker process exited (${signal ?? code})`);
      peer.close(error);
      reject(error);
    });
  });
  exited.catch(() => {});
  const args: ScenarioArgs = {
    scenario,
    url: coordinator.url,
    token: coordinator.token,
    tmpDir: tmpDir as string,
    params: params as Record<string, unknown>,
  };
  try {
    return await withTimeout(Promise.race([peer.call("scenario", args), exited]), timeoutMs, scenario);
  } finally {
    // A clean exit (so --cpu-prof writes its profile), then a kill if it lingers.
    if (child.connected) child.disconnect();
    const gone = new Promise<void>((resolveGone) => {
      if (child.exitCode !== null || child.signalCode !== null) resolveGone();
      else child.once("exit", () => resolveGone());
    });
    await withTimeout(gone, 10_000, `${scenario} process exit`).catch(() => child.kill("SIGKILL"));
  }
}

/** SDK and baseline in fresh processes, alternated ABBA so a drift in either direction cancels out. */
function abba(round: number): ("bare" | "sdk")[] {
  return round % 2 === 0 ? ["bare", "sdk"] : ["sdk", "bare"];
}

async function throughputRuns(coordinator: CoordinatorHandle) {
  const { concurrencies, jobs, rounds, warmupJobs } = PLAN.throughput;
  const out = [];
  for (const concurrency of concurrencies) {
    const n = (jobs as Record<number, number>)[concurrency] ?? 1000;
    const runs: Record<"sdk" | "bare", Measurement[]> = { sdk: [], bare: [] };
    for (let round = 0; round < rounds; round++) {
      for (const variant of abba(round)) {
        const params = { variant, concurrency, jobs: n, warmupJobs, round };
        const m = (await runScenario(
          coordinator,
          "throughput",
          params,
          PLAN.timeoutMs,
          `throughput-${variant}`,
        )) as Measurement;
        runs[variant].push(m);
        process.stderr.write(
          `  throughput c=${concurrency} ${variant}: ${f0(m.jobsPerSec)} jobs/s, worker ${f0(m.cpuUsPerJob)} µs CPU/job, coordinator ${f0(m.coordinatorCpuUsPerJob)} µs CPU/job\n`,
        );
      }
    }
    out.push({ concurrency, jobs: n, ...runs });
  }
  return out;
}

interface LoopMeasurement {
  delayMs: number;
  concurrency: number;
  jobs: number;
  jobsPerSec: number;
  cpuUsPerJob: number;
}

async function loopRuns(coordinator: CoordinatorHandle) {
  const { rounds, ...plan } = PLAN.loop;
  const rows = new Map<
    string,
    { delayMs: number; concurrency: number; jobs: number } & Record<"sdk" | "bare", LoopMeasurement[]>
  >();
  for (let round = 0; round < rounds; round++) {
    for (const variant of abba(round)) {
      const results = (await runScenario(
        coordinator,
        "loop",
        { ...plan, variant },
        PLAN.timeoutMs,
        `loop-${variant}`,
      )) as LoopMeasurement[];
      for (const m of results) {
        const key = `${m.delayMs}/${m.concurrency}`;
        const row = rows.get(key) ?? {
          delayMs: m.delayMs,
          concurrency: m.concurrency,
          jobs: m.jobs,
          sdk: [],
          bare: [],
        };
        row[variant].push(m);
        rows.set(key, row);
      }
      process.stderr.write(`  loop only: round ${round + 1} of ${rounds}, ${variant} done\n`);
    }
  }
  return [...rows.values()];
}

// ---------------------------------------------------------------------------

function machine() {
  const cpuList = cpus();
  return {
    loadBefore: loadavg()
      .map((x) => x.toFixed(2))
      .join(" "),
    cpu: cpuList[0]?.model.trim() ?? "unknown",
    cores: cpuList.length,
    memory: `${(totalmem() / GiB).toFixed(1)} GiB`,
    os: `${process.platform} ${release()}`,
    node: process.version,
  };
}

function startup() {
  const dist = join(ROOT, "dist", "index.js");
  const useDist = existsSync(dist);
  const target = useDist ? pathToFileURL(dist).href : pathToFileURL(join(ROOT, "src", "index.ts")).href;
  const code = `const t = performance.now(); await import(${JSON.stringify(target)}); process.stdout.write(String(performance.now() - t));`;
  const times: number[] = [];
  for (let i = 0; i < PLAN.importRuns; i++) {
    const args = [...(useDist ? [] : ["--import", "tsx"]), "--input-type=module", "-e", code];
    const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`importing the package failed: ${run.stderr}`);
    times.push(Number(run.stdout));
  }
  let stale = false;
  if (useDist) {
    const built = statSync(dist).mtimeMs;
    const newest = (dir: string): number => {
      let max = 0;
      for (const entry of spawnSync("find", [dir, "-type", "f", "-name", "*.ts"], { encoding: "utf8" })
        .stdout.split("\n")
        .filter(Boolean)) {
        max = Math.max(max, statSync(entry).mtimeMs);
      }
      return max;
    };
    stale = newest(join(ROOT, "src")) > built;
  }
  const pack = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  let packed: { size: number; unpackedSize: number; entryCount: number } | undefined;
  try {
    const parsed = JSON.parse(pack.stdout) as { size: number; unpackedSize: number; entryCount: number }[];
    packed = parsed[0];
  } catch {
    packed = undefined;
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  };
  return {
    importFrom: useDist ? "dist/index.js (built ESM, plain node)" : "src/index.ts via tsx (no dist/ built)",
    distStale: stale,
    importMs: times,
    packed,
    runtimeDependencies: Object.keys(pkg.dependencies ?? {}).length,
    optionalPeers: Object.keys(pkg.peerDependencies ?? {}).filter((name) => pkg.peerDependenciesMeta?.[name]?.optional),
  };
}

// ---------------------------------------------------------------------------
// The report.

const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "–");
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "–");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "–");
const mb = (bytes: number) => `${f1(bytes / MB)} MB`;
const ms = (n: number) => (n >= 10 ? `${f1(n)} ms` : `${f2(n)} ms`);
const verdict = (ok: boolean) => (ok ? "met" : "**missed**");
/** Issue #17: SDK/baseline throughput at least this, at every concurrency. */
const THROUGHPUT_GOAL = 0.95;
/** Issue #17: the loop alone (no delay) costs at most this times the baseline's CPU per job. */
const LOOP_CPU_GOAL = 1.15;

interface Measurement {
  jobsPerSec: number;
  cpuUsPerJob: number;
  coordinatorCpuUsPerJob: number;
  requestsPerJob: number;
}

// biome-ignore lint/suspicious/noExplicitAny: results come back over IPC as JSON
type Json = any;

function report(results: Record<string, Json>, errors: Record<string, string>): string {
  const m = results.machine;
  const lines: string[] = [];
  const out = (line = "") => lines.push(line);
  out(`## modelreins-worker bench (${QUICK ? "quick mode: a smoke run, figures not meaningful" : "full run"})`);
  out();
  out(`- date: ${new Date().toISOString()}`);
  out(`- machine: ${m.cpu}, ${m.cores} cores, ${m.memory} RAM; ${m.os}`);
  out(
    `- load average (1, 5, 15 min) before: ${m.loadBefore}; after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")} (above 0.5 means other processes shared the ${m.cores} cores: wall-clock figures are noisier)`,
  );
  out(`- 1-minute load average at the start → end of each scenario: ${(results.load as string[]).join("; ")}`);
  out(
    `- Node ${m.node}; the SDK from src/ via tsx (tsconfig paths); coordinator: modelreins-worker/testing in its own process, over HTTP on 127.0.0.1`,
  );
  out();

  const tp = results.throughput as Json[] | undefined;
  if (tp) {
    out("### Throughput: no-op jobs per second (pre-queued backlog)");
    out();
    out(
      `Median of ${PLAN.throughput.rounds} runs each, baseline and SDK alternated (ABBA), each run in a fresh worker process after a warm-up of ${PLAN.throughput.warmupJobs} jobs. Baseline: a hand-written loop with bare \`fetch\`, same requests (heartbeat, inbox running + pending, claim, complete, same headers and bodies), same concurrency. Goal: SDK/baseline ≥ ${THROUGHPUT_GOAL} (the ratio of the medians and the median of the pairs).`,
    );
    out();
    out(
      `| concurrency | jobs/run | baseline jobs/s | SDK jobs/s | SDK/baseline (medians) | SDK/baseline (median of pairs) | goal ≥ ${THROUGHPUT_GOAL} | worker CPU/job, baseline | worker CPU/job, SDK | coordinator CPU/job, baseline / SDK | requests/job, baseline / SDK |`,
    );
    out("|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|");
    for (const row of tp) {
      const pick = (variant: "sdk" | "bare", key: keyof Measurement) =>
        median((row[variant] as Measurement[]).map((x) => x[key]));
      const ratio = pick("sdk", "jobsPerSec") / pick("bare", "jobsPerSec");
      const pairs = (row.sdk as Measurement[]).map((x, i) => x.jobsPerSec / (row.bare[i] as Measurement).jobsPerSec);
      const pairRatio = median(pairs);
      out(
        `| ${row.concurrency} | ${row.jobs} | ${f0(pick("bare", "jobsPerSec"))} | ${f0(pick("sdk", "jobsPerSec"))} | ${f2(ratio)} | ${f2(pairRatio)} (${pairs.map(f2).join(", ")}) | ${verdict(ratio >= THROUGHPUT_GOAL && pairRatio >= THROUGHPUT_GOAL)} | ${f0(pick("bare", "cpuUsPerJob"))} µs | ${f0(pick("sdk", "cpuUsPerJob"))} µs | ${f0(pick("bare", "coordinatorCpuUsPerJob"))} / ${f0(pick("sdk", "coordinatorCpuUsPerJob"))} µs | ${f2(pick("bare", "requestsPerJob"))} / ${f2(pick("sdk", "requestsPerJob"))} |`,
      );
    }
    out();
  }

  const ops = results.ops as Json | undefined;
  if (ops) {
    out("### Operating: probes + metrics, and tracing, per job");
    out();
    out(
      `Concurrency ${ops.overHttp.concurrency}, no-op jobs, median of ${PLAN.ops.rounds} runs each, the three variants in rotated order in one worker process: over HTTP to the local coordinator (${ops.overHttp.jobs} jobs/run), and alone against the loop's in-process stand-in for the coordinator (${ops.alone.jobs} jobs/run: the SDK's own CPU, without the network's noise). Probes: \`probes: { port: 0 }\` (listeners, the HTTP core's observer, the histograms; not scraped). Traced: \`traced()\` with the OpenTelemetry SDK (${f2(ops.overHttp.spansPerJob)} spans/job made and ended; the exporter drops them, so export is not counted). Off is the plain SDK: with \`probes\` unset the HTTP core has no observer and no listener is added.`,
    );
    out();
    out("| variant | over HTTP: jobs/s | worker CPU/job | Δ vs off | alone: jobs/s | CPU/job | Δ vs off |");
    out("|---|---:|---:|---:|---:|---:|---:|");
    const cpuOf = (set: Json, variant: string) => median((set[variant] as Measurement[]).map((x) => x.cpuUsPerJob));
    const rateOf = (set: Json, variant: string) => median((set[variant] as Measurement[]).map((x) => x.jobsPerSec));
    const delta = (set: Json, variant: string) =>
      variant === "sdk" ? "—" : `${f0(cpuOf(set, variant) - cpuOf(set, "sdk"))} µs`;
    for (const variant of ["sdk", "sdk-probes", "sdk-traced"]) {
      const label = { sdk: "off", "sdk-probes": "probes + metrics", "sdk-traced": "tracing" }[variant];
      out(
        `| ${label} | ${f0(rateOf(ops.overHttp, variant))} | ${f0(cpuOf(ops.overHttp, variant))} µs | ${delta(ops.overHttp, variant)} | ${f0(rateOf(ops.alone, variant))} | ${f0(cpuOf(ops.alone, variant))} µs | ${delta(ops.alone, variant)} |`,
      );
    }
    out();
  }

  const lat = results.latency as Json | undefined;
  if (lat) {
    out("### Latency: dispatch → the handler's first line");
    out();
    out(
      `Measured with the monotonic clock shared by both processes. Busy: the coordinator keeps \`concurrency\` jobs outstanding and dispatches the next one the moment one completes, so the inbox is never empty when the worker looks and it never sleeps (the first 2×concurrency jobs are left out). Idle: single jobs dispatched at random moments to a worker sleeping between polls (pollIntervalMs ${lat.pollIntervalMs}).`,
    );
    out();
    out("| worker | loop | samples | p50 | p99 | note |");
    out("|---|---|---:|---:|---:|---|");
    for (const row of lat.busy as Json[]) {
      for (const variant of ["bare", "sdk"] as const) {
        const s = row[variant] as number[];
        out(
          `| busy, concurrency ${row.concurrency} | ${variant === "sdk" ? "SDK" : "baseline"} | ${s.length} | ${ms(percentile(s, 50))} | ${ms(percentile(s, 99))} | |`,
        );
      }
    }
    const idle = lat.idle as number[];
    out(
      `| idle | SDK | ${idle.length} | ${ms(percentile(idle, 50))} | ${ms(percentile(idle, 99))} | bounded by the poll interval (${lat.pollIntervalMs} ms): expect about half of it at p50 and all of it at p99 |`,
    );
    out();
  }

  const idle = results.idle as Json | undefined;
  const fl = results.floor as Json | undefined;
  if (idle) {
    out(
      `### Idle cost: a running worker with no jobs, default intervals (poll 5 s, heartbeat 5 s), ${f0(idle.seconds)} s`,
    );
    out();
    out("| CPU time | CPU / minute | RSS at end | RSS max | heap used | requests / minute |");
    out("|---:|---:|---:|---:|---:|---|");
    const routes = Object.entries(idle.byRoute as Record<string, number>)
      .map(([route, n]) => `${route} ${f1(n)}`)
      .join(", ");
    out(
      `| ${f0(idle.cpuMs)} ms | ${f0((idle.cpuMs * 60) / idle.seconds)} ms | ${mb(idle.rss)} | ${mb(idle.rssMax)} | ${mb(idle.heapUsed)} | ${f1(idle.requestsPerMinute)} (${routes}) |`,
    );
    if (fl) {
      out(
        `| floor: same process, SDK imported, no worker (${f0(fl.seconds)} s): ${f0((fl.cpuMs * 60) / fl.seconds)} ms CPU/min | | ${mb(fl.rss)} | ${mb(fl.rssMax)} | ${mb(fl.heapUsed)} | ${f1(fl.requestsPerMinute)} |`,
      );
    }
    out();
    out("The floor is node + the tsx loader (its own thread) + this harness; the worker itself costs the difference.");
    out();
  }

  const up = results.upload as Json | undefined;
  const soak = results.soak as Json | undefined;
  if (up || soak) out("### Memory");
  out();
  if (up) {
    const delta = up.peakRss - up.idleRss;
    out(
      `Uploading a ${f0(up.bytes / MiB)} MiB artifact from \`fs.openAsBlob\` (a sparse temp file) with \`uploadArtifact\`; goal: peak RSS < 100 MB over the idle RSS. The coordinator (other process) buffers and keeps it; it reported ${up.sizeReported} bytes.`,
    );
    out();
    out("| idle RSS | peak RSS | peak − idle | goal | time | throughput | peak measured by |");
    out("|---:|---:|---:|---|---:|---:|---|");
    out(
      `| ${mb(up.idleRss)} | ${mb(up.peakRss)} | ${mb(delta)} | ${verdict(delta < 100 * MB)} | ${f1(up.seconds)} s | ${f0(up.mibPerSec)} MiB/s | ${up.peakSource} |`,
    );
    out();
  }
  if (soak) {
    out(
      `RSS of one worker (concurrency ${soak.concurrency}, SDK) over ${soak.snapshots.at(-1).jobs} no-op jobs, dispatched in batches; \`after GC\` is after two forced full collections.`,
    );
    out();
    out("| jobs done | RSS | RSS after GC | heap used after GC | external after GC |");
    out("|---:|---:|---:|---:|---:|");
    for (const s of soak.snapshots as Json[]) {
      out(`| ${s.jobs} | ${mb(s.rss)} | ${mb(s.rssAfterGc)} | ${mb(s.heapUsedAfterGc)} | ${mb(s.externalAfterGc)} |`);
    }
    out();
  }

  const loop = results.loop as Json[] | undefined;
  if (loop) {
    out("### The run loop alone: an in-process stand-in for fetch that answers after a fixed delay");
    out();
    out(
      `No sockets and no coordinator: with no delay, CPU per job is what each loop itself costs; with a delay, the figures show how each loop copes with round trips (every real network has them; loopback hides them). Median of ${PLAN.loop.rounds} runs each, SDK and baseline alternated (ABBA) in fresh processes; each process first runs ${PLAN.loop.warmupRuns} × ${PLAN.loop.jobs} jobs uncounted, and each case once more before its counted run. Goal, with no delay: the SDK's CPU per job at most ${LOOP_CPU_GOAL}× the baseline's.`,
    );
    out();
    out(
      "| delay | concurrency | jobs/run | baseline jobs/s | SDK jobs/s | SDK/baseline | CPU/job, baseline | CPU/job, SDK | CPU SDK/baseline (spread) | goal |",
    );
    out("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (const row of loop) {
      const pick = (variant: "sdk" | "bare", key: "jobsPerSec" | "cpuUsPerJob") =>
        median((row[variant] as { jobsPerSec: number; cpuUsPerJob: number }[]).map((x) => x[key]));
      const cpuRatio = pick("sdk", "cpuUsPerJob") / pick("bare", "cpuUsPerJob");
      const pairs = (row.sdk as LoopMeasurement[]).map(
        (x, i) => x.cpuUsPerJob / (row.bare[i] as LoopMeasurement).cpuUsPerJob,
      );
      const goal = row.delayMs === 0 ? verdict(cpuRatio <= LOOP_CPU_GOAL) : "";
      out(
        `| ${row.delayMs} ms | ${row.concurrency} | ${row.jobs} | ${f0(pick("bare", "jobsPerSec"))} | ${f0(pick("sdk", "jobsPerSec"))} | ${f2(pick("sdk", "jobsPerSec") / pick("bare", "jobsPerSec"))} | ${f0(pick("bare", "cpuUsPerJob"))} µs | ${f0(pick("sdk", "cpuUsPerJob"))} µs | ${f2(cpuRatio)} (${f2(Math.min(...pairs))}–${f2(Math.max(...pairs))}) | ${goal} |`,
      );
    }
    out();
  }

  const st = results.startup as Json | undefined;
  if (st) {
    out("### Start-up and size");
    out();
    out("| import time (median) | imported | packed size | unpacked size | files | runtime dependencies |");
    out("|---:|---|---:|---:|---:|---:|");
    const packed = st.packed as { size: number; unpackedSize: number; entryCount: number } | undefined;
    out(
      `| ${ms(median(st.importMs))} (${st.importMs.length} fresh processes; min ${ms(Math.min(...st.importMs))}) | ${st.importFrom}${st.distStale ? "; **dist/ is older than src/**" : ""} | ${packed ? `${f1(packed.size / 1000)} kB` : "–"} | ${packed ? `${f1(packed.unpackedSize / 1000)} kB` : "–"} | ${packed?.entryCount ?? "–"} | ${st.runtimeDependencies}${st.optionalPeers.length ? ` (optional peer: ${st.optionalPeers.join(", ")})` : ""} |`,
    );
    out();
  }

  if (Object.keys(errors).length > 0) {
    out("### Failed scenarios");
    out();
    for (const [scenario, error] of Object.entries(errors)) out(`- ${scenario}: ${error.split("\n")[0]}`);
    out();
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = Date.now();
  tmpDir = mkdtempSync(join(tmpdir(), "modelreins-bench-"));
  const load: string[] = [];
  const results: Record<string, Json> = { machine: machine(), load };
  const errors: Record<string, string> = {};
  const step = async (name: string, fn: () => Promise<unknown> | unknown) => {
    if (!wants(name)) return;
    process.stderr.write(`bench: ${name}...\n`);
    const t = Date.now();
    const loadAtStart = loadavg()[0] as number;
    try {
      results[name] = await fn();
      process.stderr.write(`bench: ${name} done in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
    } catch (error) {
      errors[name] = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`bench: ${name} FAILED: ${errors[name]}\n`);
    } finally {
      load.push(`${name} ${f2(loadAtStart)} → ${f2(loadavg()[0] as number)}`);
    }
  };

  let coordinator: CoordinatorHandle | undefined;
  try {
    coordinator = await startCoordinator();
    const c = coordinator;
    process.stderr.write(`bench: coordinator at ${c.url} (pid ${c.child.pid})\n`);
    await step("throughput", () => throughputRuns(c));
    await step("latency", () => runScenario(c, "latency", PLAN.latency, PLAN.timeoutMs));
    await step("idle", () => runScenario(c, "idle", PLAN.idle, PLAN.timeoutMs));
    if (results.idle) await step("floor", () => runScenario(c, "floor", PLAN.floor, PLAN.timeoutMs));
    await step("upload", () => runScenario(c, "upload", PLAN.upload, PLAN.timeoutMs));
    await step("soak", () => runScenario(c, "soak", PLAN.soak, PLAN.timeoutMs));
    await step("loop", () => loopRuns(c));
    await step("ops", () => runScenario(c, "ops", PLAN.ops, PLAN.timeoutMs));
  } catch (error) {
    errors.coordinator = error instanceof Error ? error.message : String(error);
  } finally {
    if (coordinator?.child.connected) coordinator.child.disconnect();
  }
  await step("startup", () => startup());

  const text = report(results, errors);
  process.stdout.write(`${text}\n`);
  process.stderr.write(`bench: finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ quick: QUICK, plan: PLAN, results, errors }, null, 2));
  return Object.keys(errors).length === 0 ? 0 : 1;
}

main()
  .then((code) => {
    cleanup();
    process.exit(code);
  })
  .catch((error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    cleanup();
    process.exit(1);
  });
