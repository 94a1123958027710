/**
 * What operating a worker costs per job: the SDK as it is, with probes and
 * metrics on (`probes: { port: 0 }`: event listeners, the HTTP core's
 * observer, the histograms), and with every job traced (`traced()` with the
 * OpenTelemetry SDK, spans made, ended and handed to a processor that drops
 * them, so export cost is left out). The three run in turn, their order
 * rotated each round, in one worker process.
 */
import {
  BasicTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";

/** Knobs of the ops scenario. */
export interface OpsParams {
  concurrency: number;
  jobs: number;
  /** Jobs per run against the in-process stand-in for the coordinator. */
  loopJobs: number;
  rounds: number;
  warmupJobs: number;
}

/** The variants measured, the plain SDK first. */
export const OPS_VARIANTS = ["sdk", "sdk-probes", "sdk-traced"] as const;
export type OpsScenarioVariant = (typeof OPS_VARIANTS)[number];

let spans = 0;
/** An exporter that counts spans and keeps none. */
const dropping: SpanExporter = {
  export(batch: ReadableSpan[], done) {
    spans += batch.length;
    done({ code: 0 });
  },
  shutdown: async () => {},
};
/** The tracer of the traced variant. */
export const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(dropping)] }).getTracer(
  "bench",
);

export async function opsRounds<M>(
  params: OpsParams,
  measure: (variant: OpsScenarioVariant, jobs: number, name: string) => Promise<M>,
): Promise<{ concurrency: number; jobs: number; spansPerJob: number } & Record<OpsScenarioVariant, M[]>> {
  for (const variant of OPS_VARIANTS) await measure(variant, params.warmupJobs, `warm-${variant}`);
  const runs = { sdk: [] as M[], "sdk-probes": [] as M[], "sdk-traced": [] as M[] };
  spans = 0;
  for (let r = 0; r < params.rounds; r++) {
    // Rotated order, so a drift over the run does not favour one variant.
    const order = OPS_VARIANTS.map((_, i) => OPS_VARIANTS[(i + r) % OPS_VARIANTS.length] as OpsScenarioVariant);
    for (const variant of order) {
      const m = await measure(variant, params.jobs, `${variant}-r${r}`);
      runs[variant].push(m);
      process.stderr.write(`  ops ${variant} r${r}: ${JSON.stringify(m)}\n`);
    }
  }
  return {
    concurrency: params.concurrency,
    jobs: params.jobs,
    spansPerJob: spans / (params.rounds * params.jobs),
    ...runs,
  };
}
