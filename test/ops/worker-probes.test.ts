// Probes and metrics of a real Worker, over real HTTP on loopback, against the local coordinator.
import { AuthenticationError, type Job, Worker, type WorkerOptions } from "modelreins-worker";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  addFaults,
  delay,
  faultMix,
  type LoopbackWorker,
  loopbackWorker,
  smallSeededJitter,
} from "../reliability/support.js";
import { histogramSeries, parseMetrics, sampleValue } from "../support/prometheus.js";

let fixture: LoopbackWorker | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
  vi.restoreAllMocks();
});

async function setup(options: WorkerOptions = {}, seed = 1) {
  fixture = await loopbackWorker({
    coordinator: { seed },
    worker: { probes: { port: 0 }, ...options, name: "probed" },
  });
  return fixture;
}

const get = async (url: string) => {
  const response = await fetch(url);
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) };
};

describe("the probe server of a running worker", () => {
  it("is off unless asked for", async () => {
    const { coordinator, worker: probed } = await setup({ probes: undefined });
    const running = probed.run(() => "ok", { handleSignals: false });
    const job = coordinator.createJob({ prompt: "x", assigned_to: "probed" });
    await coordinator.waitFor(job.id, "done");
    expect(probed.probeUrl).toBeUndefined();
    await probed.stop();
    await running;
  });

  it("/readyz turns 503 the moment stop() is called, before the in-flight job finishes; the server ends with the run", async () => {
    const { coordinator, worker: probed, logger } = await setup();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = false;
    const running = probed.run(
      async () => {
        started = true;
        await held;
        return "drained";
      },
      { handleSignals: false },
    );
    const job = coordinator.createJob({ prompt: "slow", assigned_to: "probed" });
    await vi.waitFor(() => expect(started).toBe(true));
    const url = probed.probeUrl as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(logger.text()).toContain(`probe server listening on ${url} (/healthz, /readyz, /metrics)`);
    await vi.waitFor(async () => expect((await get(`${url}/readyz`)).status).toBe(200));
    const ready = (await get(`${url}/readyz`)).json();
    expect(ready).toMatchObject({
      ok: true,
      reason: "ready",
      status: { state: "running", jobs: [{ id: job.id, phase: "running" }] },
    });

    const during = parseMetrics((await get(`${url}/metrics`)).text);
    expect(sampleValue(during, "modelreins_worker_jobs_in_flight")).toBe(1);
    expect(sampleValue(during, "modelreins_worker_jobs_claimed_total")).toBe(1);

    const stopped = probed.stop();
    const notReady = await get(`${url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.json()).toMatchObject({
      ok: false,
      reason: "stopping: finishing in-flight jobs",
      status: { state: "stopping" },
    });
    expect(coordinator.job(job.id).status).toBe("running"); // the job has not finished
    expect((await get(`${url}/healthz`)).status).toBe(200); // still alive while it drains

    release();
    await stopped;
    await running;
    expect(coordinator.job(job.id)).toMatchObject({ status: "done", result: "drained" });
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(probed.probeUrl).toBeUndefined();
  });

  it("/healthz is 503 after a 401 ends run(), without the token anywhere; stop() then ends the server", async () => {
    const { coordinator, worker: refused } = await setup({ token: "mr_worker_wrong_token" });
    await expect(refused.run(() => "never", { handleSignals: false })).rejects.toBeInstanceOf(AuthenticationError);
    const url = refused.probeUrl as string;
    const health = await get(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(health.json()).toMatchObject({ ok: false, status: { state: "stopped" } });
    expect(health.json().reason).toMatch(/^the run ended on a fatal error: .*401/);
    expect((await get(`${url}/readyz`)).status).toBe(503);
    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      const { text } = await get(`${url}${path}`);
      expect(text).not.toContain("mr_worker_wrong_token");
      expect(text).not.toContain(coordinator.workerToken);
    }
    await refused.stop();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it("/readyz turns 503 while the coordinator does not answer, and 200 again when it does; /healthz stays 200", async () => {
    // Limits from these intervals: not ready after 3 × 20 + 100 = 160 ms without an answer.
    const { coordinator, worker: probed } = await setup({ timeoutMs: 100, maxRetries: 0 });
    const running = probed.run(() => "ok", { handleSignals: false });
    const url = () => probed.probeUrl as string;
    await vi.waitFor(async () => expect((await get(`${url()}/readyz`)).status).toBe(200));
    for (const route of ["heartbeat", "inbox"] as const) coordinator.faults.add({ route, kind: "status", status: 503 });
    await vi.waitFor(async () => expect((await get(`${url()}/readyz`)).status).toBe(503), { timeout: 5_000 });
    expect((await get(`${url()}/readyz`)).json().reason).toMatch(
      /^the coordinator has not answered for [\d.]+ s \(limit 0\.2 s\)$/,
    );
    // Failed heartbeats still show the loop turning: alive, not ready.
    expect((await get(`${url()}/healthz`)).status).toBe(200);
    coordinator.faults.clear();
    await vi.waitFor(async () => expect((await get(`${url()}/readyz`)).status).toBe(200), { timeout: 5_000 });
    await probed.stop();
    await running;
  });

  it("a probe port in use fails run() at once with a message naming the port", async () => {
    const { worker: first, listener } = await setup();
    const running = first.run(() => "ok", { handleSignals: false });
    await vi.waitFor(() => expect(first.probeUrl).toBeDefined());
    const port = Number(new URL(first.probeUrl as string).port);
    const second = new Worker({
      url: listener.url,
      token: "t0ken",
      name: "second",
      probes: { port },
      logLevel: "silent",
    });
    await expect(second.run(() => "ok", { handleSignals: false })).rejects.toThrow(
      `The probe server cannot listen on 127.0.0.1:${port}: port ${port} is in use`,
    );
    expect(second.running).toBe(false);
    await first.stop();
    await running;
  });

  it("refuses bad probes options when the worker is made", () => {
    expect(() => new Worker({ token: "t0ken", probes: { port: -1 } })).toThrow("probes.port must be a whole number");
    expect(() => new Worker({ token: "t0ken", probes: { hots: "0.0.0.0" } as never })).toThrow(
      "unknown option `hots` in probes options; did you mean `host`?",
    );
  });
});

describe("/metrics after a fault-injected run", () => {
  const JOBS = 300;

  it(`${JOBS} jobs through drops, 5xx, 429 and stalls: the counters equal the coordinator's own counts`, async () => {
    const seed = 7;
    const { coordinator, worker: probed } = await setup({ concurrency: 8, timeoutMs: 300 }, seed);
    smallSeededJitter(seed);
    const jobs = Array.from({ length: JOBS }, (_, i) =>
      coordinator.createJob({ prompt: `p${i}`, assigned_to: "probed" }),
    );
    // Every tenth job fails in its handler: the failed counter has something to count too.
    const failing = new Set(jobs.filter((_, i) => i % 10 === 3).map((job) => String(job.id)));
    addFaults(coordinator, faultMix());
    let retryEvents = 0;
    probed.on("job:delivery-retrying", () => retryEvents++);
    let heartbeatFailedEvents = 0;
    probed.on("heartbeat:failed", () => heartbeatFailedEvents++);
    const running = probed.run(
      async (job: Job) => {
        await delay(1);
        if (failing.has(String(job.id))) throw new Error(`boom ${job.id}`);
        return `r:${job.id}`;
      },
      { handleSignals: false },
    );
    const finished = () => coordinator.jobs().filter((j) => j.status === "done" || j.status === "failed").length;
    await expect.poll(finished, { timeout: 40_000, interval: 50 }).toBe(JOBS);
    // No more faults; time for the heartbeats and calls still under way to end.
    coordinator.faults.clear();
    await delay(700);

    const text = (await get(`${probed.probeUrl}/metrics`)).text;
    const metrics = parseMetrics(text);
    const value = (name: string, labels?: Record<string, string>) =>
      sampleValue(metrics, `modelreins_worker_${name}`, labels);
    const done = coordinator.jobs().filter((j) => j.status === "done").length;
    const failed = coordinator.jobs().filter((j) => j.status === "failed").length;
    expect(done).toBe(JOBS - failing.size);
    expect(failed).toBe(failing.size);
    expect(value("jobs_completed_total")).toBe(done);
    expect(value("jobs_failed_total")).toBe(failed);
    expect(value("jobs_claimed_total")).toBe(coordinator.jobs().filter((j) => j.claimed_by === "probed").length);
    expect(value("jobs_cancelled_total")).toBe(0);
    // Kept results: as many as the events said, and none given up (every job ended with its result).
    expect(value("results_retried_total")).toBe(retryEvents);
    expect(value("results_given_up_total")).toBe(0);
    // A heartbeat is never retried within its call: each one a fault hit is one failure; on a busy
    // machine one may also time out (300 ms) without a fault, and the event counts it too.
    const heartbeatFaults = coordinator.requests.filter((r) => r.route === "heartbeat" && r.fault !== undefined).length;
    expect(heartbeatFaults).toBeGreaterThan(0);
    expect(heartbeatFailedEvents).toBeGreaterThanOrEqual(heartbeatFaults);
    expect(value("heartbeat_failures_total")).toBe(heartbeatFailedEvents);
    // The job histogram counted every outcome; the HTTP one every call by route.
    expect(histogramSeries(text, "modelreins_worker_job_duration_seconds", { outcome: "completed" })?.count).toBe(done);
    expect(histogramSeries(text, "modelreins_worker_job_duration_seconds", { outcome: "failed" })?.count).toBe(failed);
    const completeCalls = histogramSeries(text, "modelreins_worker_http_request_duration_seconds", {
      route: "complete",
    });
    expect(completeCalls?.count).toBeGreaterThanOrEqual(JOBS);
    expect(completeCalls?.buckets["+Inf"]).toBe(String(completeCalls?.count));
    expect(metrics.get("modelreins_worker_http_request_duration_seconds")?.type).toBe("HISTOGRAM");
    // Faults surfaced as coordinator errors by class.
    const classes = metrics.get("modelreins_worker_coordinator_errors_total")?.metrics.map((m) => m.labels?.class);
    expect(classes).toEqual(expect.arrayContaining(["ConnectionError"]));
    // Gauges, read at the scrape.
    expect(value("jobs_in_flight")).toBe(0);
    expect(value("results_waiting")).toBe(0);
    expect(value("concurrency")).toBe(8);
    expect(value("paused")).toBe(0);
    expect(value("info", { worker: "probed" })).toBe(1);
    expect(metrics.get("modelreins_worker_info")?.metrics[0]?.labels?.version).toMatch(/^\d+\.\d+\.\d+/);
    // Every metric carries the prefix, HELP and TYPE.
    for (const family of metrics.values()) {
      expect(family.name).toMatch(/^modelreins_worker_/);
      expect(family.help).not.toBe("");
    }
    expect(text).not.toContain(coordinator.workerToken);
    await probed.stop();
    await running;
  }, 60_000);
});
