/**
 * `modelreins-worker/opentelemetry`: one span per job, for the OpenTelemetry
 * API (`@opentelemetry/api`, an optional peer dependency: only this module
 * imports it). Wrap your handler with {@link traced}:
 *
 * @example
 * ```ts
 * import { Worker } from "modelreins-worker";
 * import { traced } from "modelreins-worker/opentelemetry";
 *
 * const worker = new Worker({ name: "summariser" });
 * await worker.run(traced(worker, async (job) => `summary of ${job.prompt}`));
 * ```
 *
 * The job's span starts when the job is claimed and ends when its result is
 * delivered (or given up); the handler runs in a child span that is the
 * active span, so the handler's own instrumented calls (fetch, a database)
 * become its children. Names and attributes follow the OpenTelemetry
 * messaging semantic conventions where they fit; see the README's
 * "Tracing" section for where they do not.
 *
 * @module modelreins-worker/opentelemetry
 */
import {
  type Attributes,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { checkOptions } from "./check-options.js";
import { errorMessage } from "./errors.js";
import { type ObservableWorker, type OpsHandlers, subscribe } from "./ops/event-adapter.js";
import type { Job } from "./types.js";
import { isObject } from "./validate.js";
import { VERSION } from "./version.js";
import type { JobContext, JobHandler } from "./worker.js";

export type { ObservableWorker } from "./ops/event-adapter.js";

/** Options of {@link traced}. */
export interface TracingOptions {
  /**
   * The tracer spans are made with.
   * @default trace.getTracer("modelreins-worker", VERSION), from the global tracer provider
   */
  tracer?: Tracer | undefined;
}

/** The attribute names this module sets, beside the messaging conventions' own. */
export const TRACE_ATTRIBUTES = {
  worker: "modelreins.worker.name",
  outcome: "modelreins.job.outcome",
  attempts: "modelreins.job.delivery_attempts",
  priority: "modelreins.job.priority",
} as const;

interface JobTrace {
  span: Span;
  /** The delivery child span, open from the handler's end to the result's delivery. */
  delivery?: Span | undefined;
  attempts: number;
}

/**
 * Wraps `handler` so that every job the worker runs gets a span. Returns a
 * handler to pass to `worker.run()`; the worker's events (claim, delivery)
 * are listened to from this call on.
 */
export function traced(worker: ObservableWorker, handler: JobHandler, options: TracingOptions = {}): JobHandler {
  if (typeof handler !== "function") throw new TypeError("traced(worker, handler) needs a handler function.");
  const { tracer = trace.getTracer("modelreins-worker", VERSION) } = checkOptions(
    options,
    ["tracer"],
    "traced() options",
  );
  const jobs = new Map<string, JobTrace>();
  const open = (job: Job): JobTrace => {
    const key = String(job.id);
    let entry = jobs.get(key);
    if (entry === undefined) {
      entry = { span: startJobSpan(tracer, worker.name, job), attempts: 0 };
      jobs.set(key, entry);
    }
    return entry;
  };
  const close = (job: Job, end: (entry: JobTrace) => void) => {
    const entry = jobs.get(String(job.id));
    if (entry === undefined) return;
    jobs.delete(String(job.id));
    end(entry);
    entry.delivery?.end();
    entry.span.setAttribute(TRACE_ATTRIBUTES.attempts, entry.attempts);
    entry.span.end();
  };
  const handlers: OpsHandlers = {
    claimed: (job) => open(job).span.addEvent("claimed"),
    finished: (job, outcome, _durationMs, error) => {
      const entry = jobs.get(String(job.id));
      if (entry === undefined) return;
      entry.span.setAttribute(TRACE_ATTRIBUTES.outcome, outcome);
      if (error !== undefined) fail(entry.span, error);
      if (outcome === "cancelled") {
        // A cancelled job's result is dropped: no delivery follows, the span ends here.
        close(job, (cancelled) => cancelled.span.setStatus({ code: SpanStatusCode.ERROR, message: "cancelled" }));
        return;
      }
      entry.delivery ??= tracer.startSpan(
        "deliver",
        { kind: SpanKind.CLIENT, attributes: { [TRACE_ATTRIBUTES.worker]: worker.name } },
        trace.setSpan(ROOT_CONTEXT, entry.span),
      );
    },
    retrying: (job, error, attempt, retryInMs) => {
      const entry = jobs.get(String(job.id));
      if (entry === undefined) return;
      entry.attempts = attempt;
      entry.delivery?.addEvent("delivery failed, retrying", {
        "exception.message": errorMessage(error),
        "modelreins.retry_in_ms": retryInMs,
      });
    },
    delivered: (job, attempts) =>
      close(job, (entry) => {
        entry.attempts = attempts;
        entry.delivery?.addEvent("delivered");
      }),
    givenUp: (job, error) =>
      close(job, (entry) => {
        entry.attempts++;
        fail(entry.delivery ?? entry.span, error);
        entry.span.setStatus({ code: SpanStatusCode.ERROR, message: `result given up: ${errorMessage(error)}` });
      }),
  };
  // Subscribed for the worker's life: the listeners go when the worker does.
  subscribe(worker, { ...handlers, stopped: () => endAll() });
  return (job: Job, ctx: JobContext) => {
    const parent = trace.setSpan(context.active(), open(job).span);
    return tracer.startActiveSpan("handle", { kind: SpanKind.INTERNAL }, parent, async (span) => {
      try {
        return await handler(job, ctx);
      } catch (error) {
        fail(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  };

  function endAll(): void {
    // run() ended: spans of jobs whose delivery never came to an end are closed as they stand.
    for (const entry of jobs.values()) {
      entry.delivery?.end();
      entry.span.end();
    }
    jobs.clear();
  }
}

/** The job's span: a messaging "process" span, linked to the dispatcher's trace when the job carries one. */
function startJobSpan(tracer: Tracer, workerName: string, job: Job): Span {
  const attributes: Attributes = {
    "messaging.system": "modelreins",
    "messaging.operation.type": "process",
    "messaging.operation.name": "process",
    "messaging.destination.name": workerName,
    "messaging.message.id": String(job.id),
    [TRACE_ATTRIBUTES.worker]: workerName,
  };
  if (typeof job.priority === "string") attributes[TRACE_ATTRIBUTES.priority] = job.priority;
  // A dispatcher that put W3C `traceparent`/`tracestate` on the job (or its `input` object) is
  // linked, as the conventions ask of a process span: a link, not a parent, for a job may wait long.
  const creation = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, traceCarrier(job)));
  const links: Link[] = creation === undefined ? [] : [{ context: creation }];
  return tracer.startSpan(`process ${workerName}`, { kind: SpanKind.CONSUMER, attributes, links }, ROOT_CONTEXT);
}

/** Where a job carries its dispatcher's trace context: its own fields, or those of its `input`. */
function traceCarrier(job: Job): object {
  if (typeof job.traceparent === "string") return job;
  const input = job.input;
  return isObject(input) ? input : {};
}

function fail(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : errorMessage(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
}
