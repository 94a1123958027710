/**
 * The worker side of the bench, one scenario per process (started by
 * bench/run.ts with an IPC channel), so that its CPU time and memory are its
 * own: the coordinator runs in another process (bench/coordinator-server.ts),
 * reached over real HTTP on loopback; commands to it go through run.ts.
 *
 * The SDK is imported by its package name: under tsx, tsconfig `paths` map it
 * to src/index.ts.
 */
import { openAsBlob } from "node:fs";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import { type JobHandler, type Logger, Worker } from "modelreins-worker";
import { traced } from "modelreins-worker/opentelemetry";
import { BareLoop, type Handler, type LoopOptions } from "./bare-loop.js";
import { parentPeer } from "./ipc.js";
import { type OpsParams, opsRounds, tracer } from "./ops-cost.js";
import { MiB, msBetween, nowNs, procStatusBytes, resetPeakRss, sleep } from "./stats.js";

/** What every scenario gets from run.ts. */
export interface ScenarioArgs {
  scenario: "throughput" | "latency" | "idle" | "floor" | "upload" | "soak" | "loop" | "ops";
  url: string;
  token: string;
  tmpDir: string;
  params: Record<string, unknown>;
}

const peer = parentPeer({ scenario: (args) => runScenario(args as ScenarioArgs) });
const coord = <T>(cmd: string, args?: unknown): Promise<T> => peer.call<T>("coord", { cmd, args });

let URL_ = "";
let TOKEN = "";

const quiet: Logger = {
  debug() {},
  info() {},
  warn: (message) => process.stderr.write(`[worker warn] ${message}\n`),
  error: (message) => process.stderr.write(`[worker error] ${message}\n`),
};

const gc = (): void => {
  (globalThis as { gc?: () => void }).gc?.();
};

function runScenario(args: ScenarioArgs): Promise<unknown> {
  URL_ = args.url;
  TOKEN = args.token;
  switch (args.scenario) {
    case "throughput":
      return throughput(args.params as unknown as ThroughputParams);
    case "latency":
      return latency(args.params as unknown as LatencyParams);
    case "idle":
      return idle(args.params as unknown as IdleParams);
    case "floor":
      return floor(args.params as unknown as IdleParams);
    case "upload":
      return upload(args.params as unknown as UploadParams, args.tmpDir);
    case "soak":
      return soak(args.params as unknown as SoakParams);
    case "loop":
      return loopOnly(args.params as unknown as LoopParams);
    case "ops":
      return opsCost(args.params as unknown as OpsParams);
  }
}

// ---------------------------------------------------------------------------
// The two things measured side by side: the SDK's run loop, and a hand-written
// loop with bare fetch that sends exactly the same requests (bench/bare-loop.ts).

type Variant = "sdk" | "bare";
/** The SDK with probes and metrics on, or with every job traced (bench/ops-cost.ts). */
type OpsVariant = "sdk-probes" | "sdk-traced";

interface Running {
  stop(): Promise<void>;
  done: Promise<void>;
}

function start(variant: Variant | OpsVariant, options: Omit<LoopOptions, "url" | "token">): Running {
  if (variant === "bare") {
    const loop = new BareLoop({ ...options, url: URL_, token: TOKEN });
    const done = loop.run();
    return { stop: () => loop.stop(), done };
  }
  const worker = new Worker({
    url: URL_,
    token: TOKEN,
    name: options.name,
    concurrency: options.concurrency,
    pollIntervalMs: options.pollIntervalMs,
    heartbeatIntervalMs: options.heartbeatIntervalMs,
    fetch: options.fetch,
    logger: quiet,
    ...(variant === "sdk-probes" ? { probes: { port: 0 } } : {}),
  });
  const handler: JobHandler = (job) => options.handler(job);
  const done = worker.run(variant === "sdk-traced" ? traced(worker, handler, { tracer }) : handler, {
    handleSignals: false,
  });
  return { stop: () => worker.stop(), done };
}

// ---------------------------------------------------------------------------
// Throughput: pre-queued no-op jobs, SDK and baseline alternated.

interface ThroughputParams {
  concurrencies: number[];
  jobs: Record<string, number>;
  rounds: number;
  warmupJobs: number;
}

interface Measurement {
  jobsPerSec: number;
  cpuUsPerJob: number;
  coordinatorCpuUsPerJob: number;
  requestsPerJob: number;
  seconds: number;
}

const noop: Handler = () => "";

async function measureThroughput(
  variant: Variant | OpsVariant,
  concurrency: number,
  n: number,
  name: string,
): Promise<Measurement> {
  await coord("reset");
  await coord("dispatch", { worker: name, n });
  gc();
  const coordCpu0 = await coord<number>("cpu");
  const cpu0 = process.cpuUsage();
  const t0 = nowNs();
  const running = start(variant, { name, concurrency, pollIntervalMs: 100, handler: noop });
  const failed = running.done.then(() => {
    throw new Error(`${variant} loop ended before its jobs were done`);
  });
  const { at } = await Promise.race([coord<{ at: string }>("awaitCompletions", { worker: name, n }), failed]);
  const cpu = process.cpuUsage(cpu0);
  const coordCpu = (await coord<number>("cpu")) - coordCpu0;
  await running.stop();
  await running.done;
  const { total } = await coord<{ total: number }>("counts");
  const seconds = msBetween(t0, at) / 1000;
  return {
    jobsPerSec: n / seconds,
    cpuUsPerJob: (cpu.user + cpu.system) / n,
    coordinatorCpuUsPerJob: coordCpu / n,
    requestsPerJob: total / n,
    seconds,
  };
}

async function throughput(params: ThroughputParams) {
  const out = [];
  for (const c of params.concurrencies) {
    const n = params.jobs[String(c)] ?? 1000;
    await measureThroughput("bare", c, params.warmupJobs, `warm-bare-c${c}`);
    await measureThroughput("sdk", c, params.warmupJobs, `warm-sdk-c${c}`);
    const runs: Record<Variant, Measurement[]> = { sdk: [], bare: [] };
    for (let r = 0; r < params.rounds; r++) {
      // ABBA: bare, sdk, then sdk, bare, ... so a drift in either direction cancels out.
      const order: Variant[] = r % 2 === 0 ? ["bare", "sdk"] : ["sdk", "bare"];
      for (const variant of order) {
        const m = await measureThroughput(variant, c, n, `${variant}-c${c}-r${r}`);
        runs[variant].push(m);
        process.stderr.write(
          `  throughput c=${c} ${variant}: ${m.jobsPerSec.toFixed(0)} jobs/s, worker ${m.cpuUsPerJob.toFixed(0)} µs CPU/job, coordinator ${m.coordinatorCpuUsPerJob.toFixed(0)} µs CPU/job\n`,
        );
      }
    }
    out.push({ concurrency: c, jobs: n, ...runs });
  }
  await coord("reset");
  return out;
}

// ---------------------------------------------------------------------------
// Latency: dispatch → the handler's first line.

interface LatencyParams {
  busy: { concurrency: number; jobs: number }[];
  rounds: number;
  idleProbes: number;
  pollIntervalMs: number;
}

async function busyLatency(variant: Variant, concurrency: number, jobs: number, name: string, pollIntervalMs: number) {
  await coord("reset");
  const samples: number[] = [];
  const running = start(variant, {
    name,
    concurrency,
    pollIntervalMs,
    handler: (job) => {
      const t = nowNs();
      const t0 = (job.input as { t0?: string } | null)?.t0;
      if (t0 !== undefined) samples.push(msBetween(t0, t));
      return "";
    },
  });
  await sleep(50);
  await coord("feed", { worker: name, outstanding: concurrency, total: jobs, stamp: true });
  await coord("awaitCompletions", { worker: name, n: jobs });
  await running.stop();
  await running.done;
  // The first jobs may have waited for a poll that started before they existed.
  return samples.slice(2 * concurrency);
}

async function idleLatency(probes: number, pollIntervalMs: number): Promise<number[]> {
  await coord("reset");
  const samples: number[] = [];
  let arrived: (() => void) | undefined;
  const running = start("sdk", {
    name: "idle-latency",
    concurrency: 1,
    pollIntervalMs,
    handler: (job) => {
      const t = nowNs();
      samples.push(msBetween((job.input as { t0: string }).t0, t));
      arrived?.();
      return "";
    },
  });
  await sleep(2 * pollIntervalMs);
  for (let i = 0; i < probes; i++) {
    // A random phase against the poll timer.
    await sleep(50 + Math.random() * 2 * pollIntervalMs);
    const handled = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    await coord("dispatch", { worker: "idle-latency", n: 1, stamp: true });
    await handled;
  }
  await running.stop();
  await running.done;
  return samples;
}

async function latency(params: LatencyParams) {
  const busy = [];
  for (const { concurrency, jobs } of params.busy) {
    const pooled: Record<Variant, number[]> = { sdk: [], bare: [] };
    for (let r = 0; r < params.rounds; r++) {
      const order: Variant[] = r % 2 === 0 ? ["bare", "sdk"] : ["sdk", "bare"];
      for (const variant of order) {
        const samples = await busyLatency(
          variant,
          concurrency,
          jobs,
          `lat-${variant}-c${concurrency}-r${r}`,
          params.pollIntervalMs,
        );
        pooled[variant].push(...samples);
      }
    }
    busy.push({ concurrency, ...pooled });
    process.stderr.write(`  busy latency c=${concurrency}: ${pooled.sdk.length} SDK samples\n`);
  }
  const idleSamples = await idleLatency(params.idleProbes, params.pollIntervalMs);
  process.stderr.write(`  idle latency: ${idleSamples.length} samples\n`);
  await coord("reset");
  return { busy, idle: idleSamples, pollIntervalMs: params.pollIntervalMs };
}

// ---------------------------------------------------------------------------
// Idle cost: a worker with the default intervals, doing nothing.

interface IdleParams {
  seconds: number;
  warmupSeconds: number;
}

async function idleWindow(seconds: number) {
  const counts0 = await coord<{ total: number; byRoute: Record<string, number> }>("counts");
  const cpu0 = process.cpuUsage();
  const t0 = nowNs();
  let rssMax = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage.rss());
  }, 250);
  await sleep(seconds * 1000);
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpu0);
  const elapsed = msBetween(t0, nowNs()) / 1000;
  const counts1 = await coord<{ total: number; byRoute: Record<string, number> }>("counts");
  const memory = process.memoryUsage();
  const byRoute: Record<string, number> = {};
  for (const [route, count] of Object.entries(counts1.byRoute)) {
    const delta = count - (counts0.byRoute[route] ?? 0);
    if (delta > 0) byRoute[route] = (delta * 60) / elapsed;
  }
  return {
    seconds: elapsed,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rss: memory.rss,
    rssMax: Math.max(rssMax, memory.rss),
    heapUsed: memory.heapUsed,
    requestsPerMinute: ((counts1.total - counts0.total) * 60) / elapsed,
    byRoute,
  };
}

async function idle(params: IdleParams) {
  await coord("reset");
  const running = start("sdk", { name: "idle", concurrency: 1, pollIntervalMs: 5_000, handler: noop });
  // Let the start-up calls (heartbeat, the two inbox looks) settle first.
  await sleep(params.warmupSeconds * 1000);
  const result = await idleWindow(params.seconds);
  await running.stop();
  await running.done;
  return result;
}

/** The same process with the SDK loaded but no worker: node, tsx and the harness. */
async function floor(params: IdleParams) {
  await sleep(params.warmupSeconds * 1000);
  return idleWindow(params.seconds);
}

// ---------------------------------------------------------------------------
// Memory: a large upload from fs.openAsBlob, and RSS over many jobs.

interface UploadParams {
  bytes: number;
}

async function upload(params: UploadParams, tmpDir: string) {
  await coord("reset");
  const worker = new Worker({ url: URL_, token: TOKEN, name: "uploader", logger: quiet });
  await worker.heartbeat(); // warms fetch and the connection pool
  gc();
  await sleep(300);
  gc();
  const idleRss = process.memoryUsage.rss();
  const path = join(tmpDir, "artifact.bin");
  const handle = await open(path, "w");
  try {
    await handle.truncate(params.bytes); // sparse: no disk blocks, reads as zeros
  } finally {
    await handle.close();
  }
  try {
    const blob = await openAsBlob(path, { type: "application/octet-stream" });
    const hwmReset = resetPeakRss();
    let peak = process.memoryUsage.rss();
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 10);
    const t0 = nowNs();
    let response: Awaited<ReturnType<Worker["uploadArtifact"]>>;
    try {
      response = await worker.uploadArtifact(
        blob,
        "application/octet-stream",
        { filename: "artifact.bin" },
        // One attempt, with room for the whole body: the default 30 s covers the upload too.
        { timeoutMs: 600_000, maxRetries: 0 },
      );
    } finally {
      clearInterval(sampler);
    }
    const seconds = msBetween(t0, nowNs()) / 1000;
    const hwm = hwmReset ? procStatusBytes("VmHWM") : undefined;
    peak = Math.max(peak, hwm ?? 0);
    return {
      bytes: params.bytes,
      sizeReported: response.size_bytes,
      idleRss,
      peakRss: peak,
      peakSource: hwm === undefined ? "sampled every 10 ms" : "VmHWM (kernel peak) and 10 ms samples",
      seconds,
      mibPerSec: params.bytes / MiB / seconds,
    };
  } finally {
    await rm(path, { force: true });
    await coord("reset"); // frees the coordinator's copy
  }
}

interface SoakParams {
  checkpoints: number[];
  batch: number;
  concurrency: number;
}

function memorySnapshot(jobs: number) {
  const before = process.memoryUsage();
  gc();
  gc();
  const after = process.memoryUsage();
  return {
    jobs,
    rss: before.rss,
    rssAfterGc: after.rss,
    heapUsedAfterGc: after.heapUsed,
    externalAfterGc: after.external,
  };
}

async function soak(params: SoakParams) {
  await coord("reset");
  const name = "soak";
  const running = start("sdk", { name, concurrency: params.concurrency, pollIntervalMs: 100, handler: noop });
  await sleep(300);
  const snapshots = [memorySnapshot(0)];
  let done = 0;
  const last = Math.max(...params.checkpoints);
  const t0 = nowNs();
  while (done < last) {
    const next = Math.min(last, done + params.batch);
    await coord("dispatch", { worker: name, n: next - done });
    await coord("awaitCompletions", { worker: name, n: next });
    done = next;
    if (params.checkpoints.includes(done)) {
      snapshots.push(memorySnapshot(done));
      process.stderr.write(`  soak: ${done} jobs, RSS ${(process.memoryUsage.rss() / MiB).toFixed(1)} MiB\n`);
    }
  }
  const seconds = msBetween(t0, nowNs()) / 1000;
  await running.stop();
  await running.done;
  await coord("reset");
  return { concurrency: params.concurrency, snapshots, seconds };
}

// ---------------------------------------------------------------------------
// The run loop alone: both loops against an in-process stand-in for fetch that
// answers after a fixed delay (0: what the loop itself costs in CPU; a few ms:
// how it copes with round trips, as on any real network). No sockets, no
// coordinator process: the stand-in keeps the pending list itself.

interface LoopParams {
  delaysMs: number[];
  concurrencies: number[];
  jobs: number;
  rounds: number;
}

function stubCoordinator(delayMs: number) {
  let pending: number[] = [];
  let nextId = 1;
  let completed = 0;
  let target = 0;
  let reached: (() => void) | undefined;
  const job = (id: number, status: string) => ({
    id,
    prompt: "noop",
    status,
    assigned_to: "loop",
    input: null,
    priority: "normal",
    tags: [],
    claimed_by: status === "pending" ? null : "loop",
    result: null,
    created_at: "2026-01-01T00:00:00.000Z",
  });
  const reply = (body: unknown) => Response.json(body);
  const fetchStub = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    await (delayMs > 0 ? sleep(delayMs) : Promise.resolve());
    if (url.pathname === "/presence") return reply({ ok: true });
    if (url.pathname === "/my-jobs") {
      const status = url.searchParams.get("status");
      return reply({ jobs: status === "pending" ? pending.map((id) => job(id, "pending")) : [] });
    }
    const match = /^\/api\/jobs\/(\d+)\/(claim|complete)$/.exec(url.pathname);
    if (!match) return reply({ error: "no route" });
    const id = Number(match[1]);
    if (match[2] === "claim") {
      pending = pending.filter((x) => x !== id);
      return reply(job(id, "running"));
    }
    const body = JSON.parse(String(init?.body)) as { status: string; result: string };
    if (++completed === target) reached?.();
    return reply({ ...job(id, body.status), result: body.result });
  };
  return {
    fetch: fetchStub as typeof globalThis.fetch,
    queue(n: number): Promise<void> {
      completed = 0;
      target = n;
      pending = Array.from({ length: n }, () => nextId++);
      return new Promise((resolve) => {
        reached = resolve;
      });
    },
  };
}

/** One run of `n` no-op jobs against the in-process stand-in: the loop's own CPU per job. */
async function measureAlone(
  stub: ReturnType<typeof stubCoordinator>,
  variant: Variant | OpsVariant,
  concurrency: number,
  n: number,
  name: string,
): Promise<{ jobsPerSec: number; cpuUsPerJob: number }> {
  const done = stub.queue(n);
  gc();
  const cpu0 = process.cpuUsage();
  const t0 = nowNs();
  const running = start(variant, { name, concurrency, pollIntervalMs: 100, handler: noop, fetch: stub.fetch });
  await done;
  const seconds = msBetween(t0, nowNs()) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await running.stop();
  await running.done;
  return { jobsPerSec: n / seconds, cpuUsPerJob: (cpu.user + cpu.system) / n };
}

async function loopOnly(params: LoopParams) {
  const out = [];
  URL_ = "http://stub.localhost";
  TOKEN = "stub-token";
  for (const delayMs of params.delaysMs) {
    const stub = stubCoordinator(delayMs);
    for (const concurrency of params.concurrencies) {
      const n = delayMs > 0 && concurrency === 1 ? Math.ceil(params.jobs / 4) : params.jobs;
      const runs: Record<Variant, { jobsPerSec: number; cpuUsPerJob: number }[]> = { sdk: [], bare: [] };
      for (let r = -1; r < params.rounds; r++) {
        const order: Variant[] = r % 2 === 0 ? ["bare", "sdk"] : ["sdk", "bare"];
        for (const variant of order) {
          const m = await measureAlone(stub, variant, concurrency, n, "loop");
          // Round -1 warms up both loops and is not counted.
          if (r >= 0) runs[variant].push(m);
        }
      }
      out.push({ delayMs, concurrency, jobs: n, ...runs });
      process.stderr.write(`  loop only: delay ${delayMs} ms, c=${concurrency} done\n`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Ops: what probes + metrics, and tracing, cost per job (bench/ops-cost.ts).

async function opsCost(params: OpsParams) {
  const overHttp = await opsRounds(params, (variant, n, name) =>
    measureThroughput(variant, params.concurrency, n, name),
  );
  // The same with the in-process stand-in for the coordinator: the SDK's own CPU alone, far less noisy.
  const stub = stubCoordinator(0);
  const alone = await opsRounds({ ...params, jobs: params.loopJobs }, (variant, n, name) =>
    measureAlone(stub, variant, params.concurrency, n, name),
  );
  return { overHttp, alone };
}
