/**
 * Probes and metrics for one worker: gathers the facts the probes decide on
 * and feeds the metrics from the worker's events, and runs the probe server
 * for the length of `run()`. Made by `Worker` only when `probes` is set, so a
 * worker without it pays nothing.
 */
import type { CallObservation } from "../http/core.js";
import type { Logger } from "../logger.js";
import { type ProbeServer, startProbeServer } from "./probe-server.js";
import { type ProbeFacts, type ProbeLimits, type ProbePhase, probeLimits } from "./probe-state.js";
import { type ObservableWorker, subscribe } from "./worker-events.js";
import { type GaugeReadings, WorkerMetrics } from "./worker-metrics.js";

/** What the ops part reads of the worker at each probe and scrape. */
export interface OpsView {
  /** The worker's status snapshot, served as the probes' JSON body. */
  status(): unknown;
  /** The gauges' values, read from that snapshot. */
  gauges(): GaugeReadings;
}

/** The settings the probes' limits come from. */
export interface OpsSettings {
  readonly heartbeatIntervalMs: number;
  readonly pollIntervalMs: number;
  readonly timeoutMs: number;
  readonly port: number;
  readonly host: string;
}

/** One worker's probes and metrics. */
export class WorkerOps {
  readonly metrics: WorkerMetrics;
  readonly #view: OpsView;
  readonly #settings: OpsSettings;
  readonly #limits: ProbeLimits;
  readonly #logger: Logger;
  #facts: { -readonly [K in keyof ProbeFacts]: ProbeFacts[K] } = {
    phase: "stopped",
    fatal: undefined,
    paused: false,
    lastTurnAt: 0,
    lastAnswerAt: undefined,
  };
  #server: ProbeServer | undefined;

  constructor(worker: ObservableWorker, view: OpsView, settings: OpsSettings, version: string, logger: Logger) {
    this.metrics = new WorkerMetrics(version, worker.name);
    this.#view = view;
    this.#settings = settings;
    this.#limits = probeLimits(settings);
    this.#logger = logger;
    const turned = (answered: boolean) => {
      const now = Date.now();
      this.#facts.lastTurnAt = now;
      if (answered) this.#facts.lastAnswerAt = now;
      if (this.#facts.phase === "starting") this.#facts.phase = "running";
    };
    const m = this.metrics;
    subscribe(worker, {
      claimed: () => {
        m.claimed.inc();
        turned(true);
      },
      finished: (_job, outcome, durationMs) => m.jobEnded(outcome, durationMs),
      retrying: () => m.retried.inc(),
      delivered: () => turned(true),
      givenUp: () => m.givenUp.inc(),
      heartbeat: (error) => {
        if (error !== undefined) m.heartbeatFailures.inc();
        turned(error === undefined);
      },
      polled: () => turned(true),
      stopping: (_reason, fatal) => this.stopping(fatal),
    });
  }

  /** The HTTP core's observer: every call's duration and failure class. */
  readonly observeCall = (call: CallObservation): void => this.metrics.observeCall(call);

  /** The probe server's address while it runs. */
  get url(): string | undefined {
    return this.#server?.url;
  }

  /** At `run()`'s start: a new run, and the server listening (rejects when the port is taken). */
  async started(): Promise<void> {
    this.#facts = {
      phase: "starting",
      fatal: undefined,
      paused: false,
      lastTurnAt: Date.now(),
      lastAnswerAt: undefined,
    };
    if (this.#server) return; // still up after a fatal end: it answers for this run now
    const { port, host } = this.#settings;
    this.#server = await startProbeServer(
      {
        facts: () => ({ ...this.#facts, paused: this.#view.gauges().paused }),
        limits: this.#limits,
        status: () => this.#view.status(),
        metrics: () => this.metrics.render(this.#view.gauges()),
      },
      port,
      host,
    );
    this.#logger.info(`probe server listening on ${this.#server.url} (/healthz, /readyz, /metrics)`);
  }

  /** A stop began: not ready from now on. Called at once by `stop()`, before any job has drained. */
  stopping(fatal?: unknown): void {
    if (this.#facts.phase !== "stopped") this.#facts.phase = "stopping";
    if (fatal !== undefined) this.#facts.fatal ??= fatal instanceof Error ? fatal.message : String(fatal);
  }

  /**
   * `run()` ended. After a clean stop the server closes. After a fatal error it stays up,
   * answering 503, so an orchestrator sees the worker is dead rather than a refused connection;
   * unref'd, it never keeps the process alive, and `close()` ends it.
   */
  async ended(fatal: unknown): Promise<void> {
    this.#facts.phase = "stopped";
    if (fatal !== undefined) {
      this.stopping(fatal);
      this.#server?.unref();
      return;
    }
    await this.close();
  }

  /** Closes the probe server, if it runs. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await server?.close();
  }

  /** The facts as the probes see them now (for tests and status). */
  facts(): ProbeFacts {
    return { ...this.#facts };
  }

  /** The phase the probes see. */
  get phase(): ProbePhase {
    return this.#facts.phase;
  }
}
