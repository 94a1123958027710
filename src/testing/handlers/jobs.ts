/**
 * Admin calls on jobs: create, dispatch, get, update, list, cancel, retry.
 */

import { JOB_PRIORITIES as PRIORITIES } from "../../types.js";
import type { NewJob } from "../records.js";
import { json, type Reply } from "../reply.js";
import type { JobPatch } from "../state.js";
import { allowQuery, badRequest, Fields, queryInt } from "../validate.js";
import { type HandlerContext, jobIdParam } from "./context.js";
import { statusQuery } from "./worker-calls.js";

/** Checks the body of `POST /api/jobs` and `POST /dispatch` (also used by the test helpers). */
export function parseNewJob(value: unknown, where = "body"): NewJob {
  const fields = new Fields(value, where);
  const job: NewJob = { prompt: fields.nonEmptyString("prompt") };
  const input = fields.any("input");
  if (input !== undefined) job.input = input;
  const provider = fields.nullableString("provider");
  if (provider !== undefined) job.provider = provider;
  const model = fields.nullableString("model");
  if (model !== undefined) job.model = model;
  const priority = fields.oneOf("priority", PRIORITIES, false);
  if (priority !== undefined) job.priority = priority;
  const tier = fields.nullableString("tier");
  if (tier !== undefined) job.tier = tier;
  const tags = fields.optionalStringArray("tags");
  if (tags !== undefined) job.tags = tags;
  const assignedTo = fields.nullableString("assigned_to");
  if (assignedTo === "") throw badRequest('"assigned_to" must be a worker name or null, not "".');
  if (assignedTo !== undefined) job.assigned_to = assignedTo;
  fields.end();
  return job;
}

/** `POST /api/jobs`: a pending job, assigned to `assigned_to` or to nobody. */
export async function createJob(ctx: HandlerContext): Promise<Reply> {
  return json(201, ctx.state.createJob(parseNewJob(await ctx.body.json())));
}

/** `POST /dispatch`: a pending job assigned to a worker; 503 when none is eligible, 423 under the killswitch. */
export async function dispatch(ctx: HandlerContext): Promise<Reply> {
  return json(200, ctx.state.dispatch(parseNewJob(await ctx.body.json())));
}

export function getJob(ctx: HandlerContext): Reply {
  allowQuery(ctx.url.searchParams, []);
  return json(200, ctx.state.job(jobIdParam(ctx)));
}

/** `PUT /api/jobs/<id>` `{tags?, priority?, tier?}`; 409 once the job finished. */
export async function updateJob(ctx: HandlerContext): Promise<Reply> {
  const id = jobIdParam(ctx);
  const fields = new Fields(await ctx.body.json());
  const patch: JobPatch = {};
  const tags = fields.optionalStringArray("tags");
  if (tags !== undefined) patch.tags = tags;
  const priority = fields.oneOf("priority", PRIORITIES, false);
  if (priority !== undefined) patch.priority = priority;
  const tier = fields.nullableString("tier");
  if (tier !== undefined) patch.tier = tier;
  fields.end();
  if (Object.keys(patch).length === 0) throw badRequest("nothing to update: send tags, priority or tier.");
  return json(200, ctx.state.update(id, patch));
}

/** `GET /api/jobs?status=&provider=&limit=&offset=`: `{"jobs", "total"}`, oldest first. */
export function listJobs(ctx: HandlerContext): Reply {
  const query = ctx.url.searchParams;
  allowQuery(query, ["status", "provider", "limit", "offset"]);
  const status = statusQuery(query.get("status"), undefined);
  const provider = query.get("provider");
  return json(
    200,
    ctx.state.list({
      ...(status === undefined ? {} : { status }),
      ...(provider === null || provider === "" ? {} : { provider }),
      limit: queryInt(query, "limit", 50, 1, 1000),
      offset: queryInt(query, "offset", 0, 0, Number.MAX_SAFE_INTEGER),
    }),
  );
}

/** `POST /api/jobs/<id>/cancel`, no body or `{"reason"?}`; pending/running only. */
export async function cancelJob(ctx: HandlerContext): Promise<Reply> {
  const id = jobIdParam(ctx);
  const fields = new Fields(await ctx.body.optionalJson());
  const reason = fields.optionalString("reason") ?? "by an admin";
  fields.end();
  return json(200, ctx.state.cancel(id, reason));
}

/** `POST /api/jobs/<id>/retry`, no body; failed/cancelled only. */
export async function retryJob(ctx: HandlerContext): Promise<Reply> {
  const id = jobIdParam(ctx);
  new Fields(await ctx.body.optionalJson()).end();
  return json(200, ctx.state.retry(id));
}
