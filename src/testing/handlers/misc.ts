/**
 * Health, serving artifacts, the killswitch and the cost reports.
 */
import { json, type Reply } from "../reply.js";
import { allowQuery, badRequest, Fields } from "../validate.js";
import type { HandlerContext } from "./context.js";

export function health(ctx: HandlerContext): Reply {
  allowQuery(ctx.url.searchParams, []);
  return json(200, { status: "ok" });
}

/** `GET /s/<slug>`: the artifact's bytes with its content type; 404 unknown, 410 expired. */
export function artifact(ctx: HandlerContext): Reply {
  const record = ctx.state.outputs.artifact(ctx.params.slug ?? "");
  return {
    status: 200,
    headers: {
      "content-type": record.content_type,
      "content-length": String(record.size_bytes),
      "content-disposition": `inline; filename*=UTF-8''${encodeURIComponent(record.filename)}`,
    },
    body: record.bytes.slice(),
  };
}

/** `POST /tenant/killswitch` `{level: 0..4, reason}`; every level has the same effect here. */
export async function activateKillswitch(ctx: HandlerContext): Promise<Reply> {
  const fields = new Fields(await ctx.body.json());
  const level = fields.integer("level", 0, 4, true);
  const reason = fields.nonEmptyString("reason");
  fields.end();
  return json(200, ctx.state.activateKillswitch(level, reason));
}

/** `POST /tenant/killswitch/clear[?resume_all=true]`. */
export async function clearKillswitch(ctx: HandlerContext): Promise<Reply> {
  const query = ctx.url.searchParams;
  allowQuery(query, ["resume_all"]);
  const raw = query.get("resume_all");
  if (raw !== null && raw !== "true" && raw !== "false") {
    throw badRequest(`query "resume_all" must be true or false; got ${JSON.stringify(raw)}.`);
  }
  new Fields(await ctx.body.optionalJson()).end();
  return json(200, ctx.state.clearKillswitch(raw === "true"));
}

const PERIOD_MS = { day: 86_400_000, week: 7 * 86_400_000, month: 30 * 86_400_000 } as const;
type Period = keyof typeof PERIOD_MS;

function period(ctx: HandlerContext): { period: Period; from: number; to: number } {
  const query = ctx.url.searchParams;
  allowQuery(query, ["period"]);
  const raw = query.get("period") ?? "day";
  if (!(raw in PERIOD_MS)) throw badRequest(`query "period" must be day, week or month; got ${JSON.stringify(raw)}.`);
  const to = ctx.state.now();
  return { period: raw as Period, from: to - PERIOD_MS[raw as Period], to };
}

/** Jobs created in the period. The local coordinator runs no models: every cost is 0. */
function jobsIn(ctx: HandlerContext, from: number, to: number) {
  return ctx.state.jobs().filter((job) => {
    const created = Date.parse(job.created_at);
    return created >= from && created <= to;
  });
}

/** `GET /api/cost/summary?period=day|week|month` (default day). */
export function costSummary(ctx: HandlerContext): Reply {
  const { period: name, from, to } = period(ctx);
  const jobs = jobsIn(ctx, from, to);
  const byStatus: Record<string, number> = { pending: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
  for (const job of jobs) byStatus[job.status] = (byStatus[job.status] ?? 0) + 1;
  return json(200, {
    period: name,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    currency: "USD",
    total_cost: 0,
    jobs: jobs.length,
    jobs_by_status: byStatus,
    tokens: { input: 0, output: 0 },
  });
}

/** `GET /api/cost/breakdown?period=...`: one row per provider and model. */
export function costBreakdown(ctx: HandlerContext): Reply {
  const { period: name, from, to } = period(ctx);
  const rows = new Map<string, { provider: string | null; model: string | null; jobs: number; cost: number }>();
  for (const job of jobsIn(ctx, from, to)) {
    const key = JSON.stringify([job.provider, job.model]);
    const row = rows.get(key) ?? { provider: job.provider, model: job.model, jobs: 0, cost: 0 };
    row.jobs++;
    rows.set(key, row);
  }
  return json(200, {
    period: name,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    currency: "USD",
    total_cost: 0,
    breakdown: [...rows.values()],
  });
}
