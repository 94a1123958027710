/**
 * The worker's Prometheus metrics: every name, type, label and bucket in one
 * table-like class, so the README's metrics table can be checked against it.
 * Counters are fed as things happen; gauges are read at scrape time.
 */
import { WorkerError } from "../errors.js";
import type { CallObservation } from "../http/core.js";
import type { JobOutcome } from "./event-adapter.js";
import { Counter, Gauge, Histogram, Registry } from "./prometheus.js";

/** Every metric's name starts with this. */
export const METRIC_PREFIX = "modelreins_worker_";

/** Job durations range from milliseconds (a lookup) to an hour (a long generation). */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** prom-client's default buckets, and 30 s (the default call timeout). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the gauges show, read from the worker at each scrape. */
export interface GaugeReadings {
  inFlight: number;
  resultsWaiting: number;
  concurrency: number;
  paused: boolean;
}

const name = (short: string) => `${METRIC_PREFIX}${short}`;

/** One worker's metrics. */
export class WorkerMetrics {
  readonly #registry = new Registry();
  readonly claimed = this.#registry.add(
    new Counter(name("jobs_claimed_total"), "Jobs this worker took up: claimed, or adopted as orphans."),
  );
  readonly completed = this.#registry.add(
    new Counter(name("jobs_completed_total"), "Jobs whose handler returned a result."),
  );
  readonly failed = this.#registry.add(
    new Counter(name("jobs_failed_total"), "Jobs whose handler threw, or that a stop cut short."),
  );
  readonly cancelled = this.#registry.add(
    new Counter(name("jobs_cancelled_total"), "Jobs the coordinator cancelled while they ran here."),
  );
  readonly retried = this.#registry.add(
    new Counter(name("results_retried_total"), "Result deliveries that failed for now and were kept to try again."),
  );
  readonly givenUp = this.#registry.add(
    new Counter(name("results_given_up_total"), "Results that could not be delivered and were given up."),
  );
  readonly heartbeatFailures = this.#registry.add(
    new Counter(name("heartbeat_failures_total"), "Heartbeats that failed."),
  );
  readonly coordinatorErrors = this.#registry.add(
    new Counter(
      name("coordinator_errors_total"),
      "Calls to the coordinator that failed, after retries, by error class.",
      ["class"],
    ),
  );
  readonly inFlight = this.#registry.add(
    new Gauge(name("jobs_in_flight"), "Jobs in hand: being claimed, run or delivered."),
  );
  readonly resultsWaiting = this.#registry.add(
    new Gauge(name("results_waiting"), "Results kept for another delivery attempt."),
  );
  readonly concurrency = this.#registry.add(new Gauge(name("concurrency"), "How many jobs the worker runs at once."));
  readonly paused = this.#registry.add(
    new Gauge(name("paused"), "1 while the coordinator has this worker paused, else 0."),
  );
  readonly jobDuration = this.#registry.add(
    new Histogram(
      name("job_duration_seconds"),
      "Time from a job's start to its outcome, by outcome.",
      ["outcome"],
      JOB_BUCKETS,
    ),
  );
  readonly httpDuration = this.#registry.add(
    new Histogram(
      name("http_request_duration_seconds"),
      "Calls to the coordinator, retries included, by route name.",
      ["route"],
      HTTP_BUCKETS,
    ),
  );
  readonly info = this.#registry.add(
    new Gauge(name("info"), "Always 1: the SDK version and the worker name.", ["version", "worker"]),
  );

  constructor(version: string, worker: string) {
    this.info.set(1, { version, worker });
  }

  /** Feeds a finished HTTP call (the HTTP core's observer). */
  observeCall(call: CallObservation): void {
    this.httpDuration.observe(call.durationMs / 1_000, { route: call.route });
    // A call aborted by our own stop is not the coordinator's error.
    if (call.error instanceof WorkerError) this.coordinatorErrors.inc({ class: call.error.name });
  }

  /** Counts a job's outcome and its duration. */
  jobEnded(outcome: JobOutcome, durationMs: number): void {
    this[outcome].inc();
    this.jobDuration.observe(durationMs / 1_000, { outcome });
  }

  /** The exposition text, gauges set from `readings` first. */
  render(readings: GaugeReadings): string {
    this.inFlight.set(readings.inFlight);
    this.resultsWaiting.set(readings.resultsWaiting);
    this.concurrency.set(readings.concurrency);
    this.paused.set(readings.paused ? 1 : 0);
    return this.#registry.render();
  }
}
