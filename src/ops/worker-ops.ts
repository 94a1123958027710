/**
 * Probes and metrics for one worker: feeds the metrics from the worker's
 * events, reads the rest from `status()`, and runs the probe server for the
 * length of `run()`. Made by `Worker` only when `probes` is set, so a worker
 * without it pays nothing.
 */

import { errorMessage } from "../errors.js";
import type { CallObservation } from "../http/core.js";
import type { Logger } from "../logger.js";
import { type ObservableWorker, type StatusView, subscribe } from "./event-adapter.js";
import { type ProbeServer, startProbeServer } from "./probe-server.js";
import { type ProbeFacts, type ProbeLimits, probeLimits } from "./probe-state.js";
import { WorkerMetrics } from "./worker-metrics.js";

/** The settings of the probes and the gauges. */
export interface OpsSettings {
  readonly heartbeatIntervalMs: number;
  readonly pollIntervalMs: number;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly port: number;
  readonly host: string;
}

/** One worker's probes and metrics. */
export class WorkerOps {
  readonly metrics: WorkerMetrics;
  readonly #status: () => StatusView;
  readonly #settings: OpsSettings;
  readonly #limits: ProbeLimits;
  readonly #logger: Logger;
  /** When the loop last showed it turns: its start, a heartbeat ended, an inbox polled. */
  #lastTurnAt = 0;
  /** The message of the error that ended the last run, if one did. */
  #fatal: string | undefined;
  #server: ProbeServer | undefined;

  constructor(
    worker: ObservableWorker,
    status: () => StatusView,
    settings: OpsSettings,
    version: string,
    logger: Logger,
  ) {
    this.metrics = new WorkerMetrics(version, worker.name);
    this.#status = status;
    this.#settings = settings;
    this.#limits = probeLimits(settings);
    this.#logger = logger;
    const turned = () => {
      this.#lastTurnAt = Date.now();
    };
    const m = this.metrics;
    subscribe(worker, {
      claimed: () => m.claimed.inc(),
      finished: (_job, outcome, durationMs) => m.jobEnded(outcome, durationMs),
      retrying: () => m.retried.inc(),
      givenUp: () => m.givenUp.inc(),
      heartbeat: (error) => {
        if (error !== undefined) m.heartbeatFailures.inc();
        turned();
      },
      polled: turned,
      stopping: (_reason, fatal) => {
        if (fatal !== undefined) this.#fatal ??= errorMessage(fatal);
      },
    });
  }

  /** The HTTP core's observer: every call's duration and failure class. */
  readonly observeCall = (call: CallObservation): void => this.metrics.observeCall(call);

  /** The probe server's address while it runs. */
  get url(): string | undefined {
    return this.#server?.url;
  }

  /** The facts the probes decide on, from a status snapshot. */
  facts(status: StatusView): ProbeFacts {
    return {
      phase: status.state,
      fatal: this.#fatal,
      paused: status.paused,
      lastTurnAt: this.#lastTurnAt,
      lastAnswerAt: status.lastAnswerAt,
    };
  }

  /** The exposition text, gauges read from `status()`. */
  renderMetrics(): string {
    const status = this.#status();
    return this.metrics.render({
      inFlight: status.jobs.length - status.undelivered,
      resultsWaiting: status.undelivered,
      concurrency: this.#settings.concurrency,
      paused: status.paused,
    });
  }

  /** Before `run()` starts its loop: the server listening (rejects, naming the port, when it cannot). */
  async starting(): Promise<void> {
    this.#fatal = undefined;
    this.#lastTurnAt = Date.now();
    if (this.#server) return; // still up after a fatal end: it answers for this run now
    const { port, host } = this.#settings;
    this.#server = await startProbeServer(
      {
        snapshot: () => {
          const status = this.#status();
          return { facts: this.facts(status), status };
        },
        limits: this.#limits,
        metrics: () => this.renderMetrics(),
      },
      port,
      host,
    );
    this.#logger.info(`probe server listening on ${this.#server.url} (/healthz, /readyz, /metrics)`);
  }

  /**
   * `run()` ended. After a clean stop the server closes. After a fatal error it stays up,
   * answering 503, so an orchestrator sees a dead worker rather than a refused connection;
   * unref'd, it never keeps the process alive, and `close()` (from `stop()`) ends it.
   */
  async ended(fatal: unknown): Promise<void> {
    if (fatal === undefined) {
      await this.close();
      return;
    }
    this.#fatal ??= errorMessage(fatal);
    this.#server?.unref();
  }

  /** Closes the probe server, if it runs. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await server?.close();
  }
}
