/**
 * Shared pieces of the reliability suite: a seeded random source, a logger
 * that keeps every line, and the fault mix of the fault-injection run and the
 * soak script.
 */
import { type Logger, Worker, type WorkerOptions } from "modelreins-worker";
import {
  type Coordinator,
  type CoordinatorOptions,
  createCoordinator,
  type FaultSpec,
  type Listener,
} from "modelreins-worker/testing";
import { vi } from "vitest";

/** mulberry32: a small seeded PRNG giving numbers in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  message: string;
}

/** A logger that keeps every line (`rest` arguments included), and can echo some of them. */
export function recordingLogger(
  echo: ReadonlyArray<LogLine["level"]> = [],
): Logger & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine["level"]) =>
    (message: string, ...rest: unknown[]) => {
      const line = [message, ...rest.map(String)].join(" ");
      lines.push({ level, message: line });
      if (echo.includes(level)) process.stderr.write(`[${level}] ${line}\n`);
    };
  return {
    lines,
    text: () => lines.map((l) => `${l.level} ${l.message}`).join("\n"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
}

/** The worker routes that faults hit. */
export const FAULT_ROUTES = ["claim", "complete", "inbox", "heartbeat"] as const;

/**
 * The fault mix, per request of each route: every kind the coordinator can
 * inject, each with its own (seeded) probability. About one request in nine
 * fails. `scale` multiplies the probabilities.
 */
export function faultMix(scale = 1): FaultSpec[] {
  const specs: FaultSpec[] = [];
  for (const route of FAULT_ROUTES) {
    specs.push(
      { route, kind: "drop-before", probability: 0.03 * scale },
      { route, kind: "drop-after", probability: 0.03 * scale },
      { route, kind: "status", status: 503, probability: 0.015 * scale },
      { route, kind: "status", status: 500, probability: 0.01 * scale },
      { route, kind: "status", status: 502, probability: 0.005 * scale },
      { route, kind: "status", status: 429, retryAfter: "0", probability: 0.015 * scale },
      { route, kind: "status", status: 429, retryAfter: "1", probability: 0.002 * scale },
      { route, kind: "status", status: 408, probability: 0.003 * scale },
      { route, kind: "stall", probability: 0.004 * scale },
    );
  }
  return specs;
}

export function addFaults(coordinator: Coordinator, specs: readonly FaultSpec[]): void {
  for (const spec of specs) coordinator.faults.add(spec);
}

/** Resolves after `ms`. */
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A worker against a local coordinator on loopback, as the suites over real HTTP set them up. */
export interface LoopbackWorker {
  coordinator: Coordinator;
  listener: Listener;
  worker: Worker;
  logger: ReturnType<typeof recordingLogger>;
  /** Stops the worker, then closes the listener and the coordinator. */
  close(): Promise<void>;
}

/**
 * A local coordinator listening on a free loopback port, and a Worker against it that polls every
 * 10 ms and heartbeats every 20 ms (so a run of a few seconds meets faults on every route), logging
 * into a {@link recordingLogger}; `worker` overrides any of it.
 */
export async function loopbackWorker(options: {
  coordinator?: CoordinatorOptions;
  worker: WorkerOptions & { name: string };
}): Promise<LoopbackWorker> {
  const coordinator = createCoordinator(options.coordinator);
  const listener = await coordinator.listen({ port: 0 });
  const logger = recordingLogger();
  const worker = new Worker({
    url: listener.url,
    token: coordinator.workerToken,
    pollIntervalMs: 10,
    heartbeatIntervalMs: 20,
    logger,
    ...options.worker,
  });
  return {
    coordinator,
    listener,
    worker,
    logger,
    async close() {
      await worker.stop();
      await listener.close();
      await coordinator.close();
    },
  };
}

/**
 * Back-off delays are drawn from Math.random: drawn small and seeded, so a run through faults is fast
 * and repeatable. The Retry-After waits ("1" is a full second) and the loop's fixed half stay as they are.
 */
export function smallSeededJitter(seed: number): void {
  const jitter = seeded(seed);
  vi.spyOn(Math, "random").mockImplementation(() => jitter() * 0.05);
}
