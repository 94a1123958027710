// modelreins-worker/opentelemetry with the OpenTelemetry SDK's in-memory exporter: one span per
// job with its outcome, the handler's span active (a span made inside it is its child), and the
// delivery as a child span with its retries as events.

import { EventEmitter } from "node:events";
import { context, propagation, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { type Job, Worker } from "modelreins-worker";
import { TRACE_ATTRIBUTES, traced } from "modelreins-worker/opentelemetry";
import { type Coordinator, createCoordinator } from "modelreins-worker/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("test");
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(() => {
  context.disable();
  propagation.disable();
});

let coordinator: Coordinator | undefined;
let worker: Worker | undefined;
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  coordinator = undefined;
  exporter.reset();
});

function setup() {
  coordinator = createCoordinator({ seed: 3 });
  worker = new Worker({
    ...coordinator.workerOptions(),
    name: "tracer",
    pollIntervalMs: 10,
    heartbeatIntervalMs: 50,
    logLevel: "silent",
  });
  return { coordinator, worker };
}

const byName = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe("traced()", () => {
  it("gives each job one span with its outcome; the handler's span is active, so a span made in it is its child", async () => {
    const { coordinator, worker } = setup();
    const ok = coordinator.createJob({ prompt: "fine", assigned_to: "tracer" });
    const bad = coordinator.createJob({ prompt: "boom", assigned_to: "tracer" });
    const handler = async (job: Job) => {
      await tracer.startActiveSpan("inside the handler", async (span) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        span.end();
      });
      if (job.prompt === "boom") throw new TypeError("the handler failed");
      return "done";
    };
    const running = worker.run(traced(worker, handler, { tracer }), { handleSignals: false });
    await coordinator.waitFor(ok.id, "done");
    await coordinator.waitFor(bad.id, "failed");
    await expect.poll(() => byName("process tracer").length).toBe(2);

    const jobSpans = byName("process tracer");
    const spanOf = (id: number) =>
      jobSpans.find((s) => s.attributes["messaging.message.id"] === String(id)) as ReadableSpan;
    for (const [job, outcome] of [
      [ok, "completed"],
      [bad, "failed"],
    ] as const) {
      const span = spanOf(job.id);
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(parentOf(span)).toBeUndefined(); // a root: the loop's own context is not its parent
      expect(span.attributes).toMatchObject({
        "messaging.system": "modelreins",
        "messaging.operation.type": "process",
        "messaging.destination.name": "tracer",
        [TRACE_ATTRIBUTES.worker]: "tracer",
        [TRACE_ATTRIBUTES.outcome]: outcome,
        [TRACE_ATTRIBUTES.attempts]: 1,
      });
      expect(span.events.map((e) => e.name)).toContain("claimed");
      const handle = byName("handle").find((s) => parentOf(s) === span.spanContext().spanId) as ReadableSpan;
      expect(handle, `the handle span of job ${job.id}`).toBeDefined();
      const inside = byName("inside the handler").filter((s) => parentOf(s) === handle.spanContext().spanId);
      expect(inside, `the handler's own span of job ${job.id}`).toHaveLength(1);
      expect(inside[0]?.spanContext().traceId).toBe(span.spanContext().traceId);
      const deliver = byName("deliver").filter((s) => parentOf(s) === span.spanContext().spanId);
      expect(deliver).toHaveLength(1);
      expect(deliver[0]?.events.map((e) => e.name)).toEqual(["delivered"]);
    }
    const failed = spanOf(bad.id);
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: "the handler failed" });
    const exception = failed.events.find((e) => e.name === "exception");
    expect(exception?.attributes).toMatchObject({
      "exception.type": "TypeError",
      "exception.message": "the handler failed",
    });
    expect(spanOf(ok.id).status.code).toBe(SpanStatusCode.UNSET);
    await worker.stop();
    await running;
  });

  it("records delivery retries as events of the delivery span, and the attempts on the job span", async () => {
    const { coordinator, worker } = setup();
    const job = coordinator.createJob({ prompt: "x", assigned_to: "tracer" });
    coordinator.faults.add({ route: "complete", kind: "status", status: 503, times: 3 }); // one call: 3 attempts fail
    const running = worker.run(
      traced(worker, () => "late", { tracer }),
      { handleSignals: false },
    );
    await coordinator.waitFor(job.id, "done", { timeoutMs: 10_000 });
    await expect.poll(() => byName("process tracer").length, { timeout: 5_000 }).toBe(1);
    const span = byName("process tracer")[0] as ReadableSpan;
    expect(span.attributes[TRACE_ATTRIBUTES.outcome]).toBe("completed");
    expect(span.attributes[TRACE_ATTRIBUTES.attempts]).toBe(2);
    const deliver = byName("deliver")[0] as ReadableSpan;
    expect(deliver.events.map((e) => e.name)).toEqual(["delivery failed, retrying", "delivered"]);
    await worker.stop();
    await running;
  });

  it("links the job's span to the dispatcher's trace when the job carries a traceparent", async () => {
    const { coordinator, worker } = setup();
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const job = coordinator.createJob({
      prompt: "x",
      assigned_to: "tracer",
      input: { traceparent: `00-${traceId}-b7ad6b7169203331-01`, text: "hello" },
    });
    const plain = coordinator.createJob({ prompt: "y", assigned_to: "tracer" });
    const running = worker.run(
      traced(worker, () => "ok", { tracer }),
      { handleSignals: false },
    );
    await coordinator.waitFor(job.id, "done");
    await coordinator.waitFor(plain.id, "done");
    await expect.poll(() => byName("process tracer").length).toBe(2);
    const spanOf = (id: number) =>
      byName("process tracer").find((s) => s.attributes["messaging.message.id"] === String(id));
    const linked = spanOf(job.id) as ReadableSpan;
    expect(linked.links.map((l) => l.context.traceId)).toEqual([traceId]);
    expect(linked.spanContext().traceId).not.toBe(traceId); // linked, not continued
    expect(spanOf(plain.id)?.links).toEqual([]);
    await worker.stop();
    await running;
  });

  it("ends a cancelled job's span at once (no delivery follows), and open spans when run() ends", async () => {
    // Cancellation reaches the loop through the coordinator's word (another part of the SDK): here
    // the events come from an emitter made by hand, in the order the loop sends them.
    const events = new EventEmitter();
    const fake = {
      name: "fake",
      on: (event: string, listener: (payload: never) => unknown) =>
        events.on(event, listener as (payload: unknown) => void),
      off: (event: string, listener: (payload: never) => unknown) =>
        events.off(event, listener as (payload: unknown) => void),
    };
    const handler = traced(fake, () => "late", { tracer });
    const job = (id: number) => ({ id, prompt: "p" }) as Job;
    const { worker: unused } = setup();
    const ctx = { signal: new AbortController().signal, worker: unused, logger: unused.logger };
    events.emit("job:claimed", { job: job(1), adopted: false });
    await handler(job(1), ctx);
    events.emit("job:cancelled", { job: job(1), reason: new Error("cancelled on the coordinator"), durationMs: 5 });
    const cancelled = byName("process fake")[0] as ReadableSpan;
    expect(cancelled.attributes[TRACE_ATTRIBUTES.outcome]).toBe("cancelled");
    expect(cancelled.status).toEqual({ code: SpanStatusCode.ERROR, message: "cancelled" });
    expect(byName("deliver")).toEqual([]);

    events.emit("job:claimed", { job: job(2), adopted: true });
    await handler(job(2), ctx);
    events.emit("job:completed", { job: job(2), result: "late", durationMs: 5 });
    expect(byName("process fake")).toHaveLength(1); // still delivering
    events.emit("worker:stopped", { reason: "stop" });
    expect(byName("process fake")).toHaveLength(2);
    expect(byName("deliver")).toHaveLength(1);
  });

  it("refuses what it cannot use", () => {
    const { worker } = setup();
    expect(() => traced(worker, "nope" as never)).toThrow("traced(worker, handler) needs a handler function.");
    expect(() => traced(worker, () => "", { tracr: tracer } as never)).toThrow(
      "unknown option `tracr` in traced() options; did you mean `tracer`?",
    );
  });
});
