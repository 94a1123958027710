/**
 * The worker calls of PROTOCOL.md: heartbeat, inbox, claim, complete,
 * artifact upload and review submission.
 */

import { describeValue } from "../../check-options.js";
import type { LocalJobStatus } from "../records.js";
import { json, type Reply } from "../reply.js";
import { allowQuery, badRequest, Fields, parseId } from "../validate.js";
import { type HandlerContext, jobIdParam } from "./context.js";

export const JOB_STATUSES: readonly LocalJobStatus[] = ["pending", "running", "done", "failed", "cancelled"];

/** A `status` query value; `completed` (the older docs' word) means `done`. */
export function statusQuery(raw: string | null, fallback: LocalJobStatus | undefined): LocalJobStatus | undefined {
  if (raw === null || raw === "") return fallback;
  const status = raw === "completed" ? "done" : raw;
  if (!(JOB_STATUSES as readonly string[]).includes(status)) {
    throw badRequest(`query "status" must be one of ${JOB_STATUSES.join(", ")}; got ${JSON.stringify(raw)}.`);
  }
  return status as LocalJobStatus;
}

/**
 * `PUT /presence`: a heartbeat (worker token) or a presence update (admin
 * token), with the documented fields `instance`, `status`, `tags` and
 * `provider`, and `details` (PROTOCOL.md).
 */
export async function heartbeat(ctx: HandlerContext): Promise<Reply> {
  const fields = new Fields(await ctx.body.json());
  const instance = fields.nonEmptyString("instance");
  const status = fields.nonEmptyString("status");
  const tags = fields.any("tags");
  if (tags !== undefined && typeof tags !== "string") {
    throw badRequest(
      `"tags" must be a comma-separated string such as "gpu,fast" (a list is joined); got ${describeValue(tags)}.`,
    );
  }
  const provider = fields.optionalString("provider") ?? null;
  const details = fields.optionalObject("details") ?? null;
  fields.end();
  const record = ctx.state.roster.heartbeat({ instance, status, tags: tags ?? "", provider, details });
  return json(200, record);
}

/** `GET /my-jobs?worker=<name>&status=<status>`: `{"jobs": [...]}`. */
export function inbox(ctx: HandlerContext): Reply {
  const query = ctx.url.searchParams;
  allowQuery(query, ["worker", "status"]);
  const worker = query.get("worker");
  if (worker === null || worker === "") throw badRequest('query "worker" (the worker\'s name) is required.');
  const status = statusQuery(query.get("status"), "pending") as LocalJobStatus;
  return json(200, { jobs: ctx.state.inbox(worker, status) });
}

/** `POST /api/jobs/<id>/claim` `{"worker"}`. */
export async function claim(ctx: HandlerContext): Promise<Reply> {
  const id = jobIdParam(ctx);
  const fields = new Fields(await ctx.body.json());
  const worker = fields.nonEmptyString("worker");
  fields.end();
  return json(200, ctx.state.claim(id, worker));
}

/** `POST /api/jobs/<id>/complete` `{"worker", "status": "done"|"failed", "result"}`. */
export async function complete(ctx: HandlerContext): Promise<Reply> {
  const id = jobIdParam(ctx);
  const fields = new Fields(await ctx.body.json());
  const worker = fields.nonEmptyString("worker");
  const status = fields.oneOf("status", ["done", "failed"], true) as "done" | "failed";
  const result = fields.string("result");
  fields.end();
  return json(200, ctx.state.complete(id, worker, status, result));
}

const ARTIFACT_PARTS = ["file", "content_type", "filename", "job_id", "review_id", "expires_at"];
const MIME = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+\s*(;.*)?$/;

/** `POST /api/artifacts` (multipart/form-data). */
export async function uploadArtifact(ctx: HandlerContext): Promise<Reply> {
  const form = await ctx.body.formData();
  const names: string[] = [];
  form.forEach((_value, name) => {
    names.push(name);
  });
  for (const [i, name] of names.entries()) {
    if (!ARTIFACT_PARTS.includes(name))
      throw badRequest(`unknown part "${name}"; allowed: ${ARTIFACT_PARTS.join(", ")}.`);
    if (names.indexOf(name) !== i) throw badRequest(`part "${name}" is sent more than once.`);
  }
  const file = form.get("file");
  if (file === null) throw badRequest('part "file" (the bytes) is required.');
  if (typeof file === "string") {
    throw badRequest('part "file" must be a file part, with a filename and a content type, not a text field.');
  }
  if (file.name === "") throw badRequest('part "file" needs a filename.');
  if (file.type === "") throw badRequest('part "file" needs a content type.');

  const text = (name: string, required: boolean): string | undefined => {
    const value = form.get(name);
    if (value === null) {
      if (required) throw badRequest(`text part "${name}" is required.`);
      return undefined;
    }
    if (typeof value !== "string") throw badRequest(`part "${name}" must be a text field, not a file.`);
    return value;
  };
  const contentType = text("content_type", true) as string;
  if (!MIME.test(contentType))
    throw badRequest(
      `part "content_type" must be a media type such as "text/plain"; got ${describeValue(contentType)}.`,
    );
  const filename = text("filename", true) as string;
  if (filename.trim() === "") throw badRequest('part "filename" must not be empty.');

  const idPart = (name: "job_id" | "review_id", exists: (id: number) => boolean): number | null => {
    const raw = text(name, false);
    if (raw === undefined) return null;
    const id = parseId(raw);
    if (id === undefined) throw badRequest(`part "${name}" must be an integer id; got ${describeValue(raw)}.`);
    if (!exists(id)) throw badRequest(`part "${name}": no ${name === "job_id" ? "job" : "review"} ${id}.`);
    return id;
  };
  const jobId = idPart("job_id", (id) => ctx.state.hasJob(id));
  const reviewId = idPart("review_id", (id) => ctx.state.outputs.hasReview(id));
  const expires = text("expires_at", false);
  if (expires !== undefined && !Number.isFinite(Date.parse(expires))) {
    throw badRequest(`part "expires_at" must be an ISO 8601 date; got ${describeValue(expires)}.`);
  }

  const record = ctx.state.outputs.addArtifact({
    bytes: new Uint8Array(await file.arrayBuffer()),
    content_type: contentType,
    filename,
    job_id: jobId,
    review_id: reviewId,
    expires_at: expires === undefined ? null : new Date(expires).toISOString(),
  });
  return json(201, {
    success: true,
    slug: record.slug,
    url: record.url,
    content_type: record.content_type,
    size_bytes: record.size_bytes,
    filename: record.filename,
  });
}

/** `POST /api/reviews` `{type, title, content, preview?, target?, job_id?}`. */
export async function submitReview(ctx: HandlerContext): Promise<Reply> {
  const fields = new Fields(await ctx.body.json());
  const type = fields.nonEmptyString("type");
  const title = fields.nonEmptyString("title");
  const content = fields.string("content");
  const preview = fields.optionalString("preview") ?? null;
  const target = fields.optionalString("target") ?? null;
  const jobId = fields.optionalId("job_id") ?? null;
  fields.end();
  if (jobId !== null && !ctx.state.hasJob(jobId)) throw badRequest(`"job_id": no job ${jobId}.`);
  const review = ctx.state.outputs.submitReview({ type, title, content, preview, target, job_id: jobId });
  return json(201, { id: review.id, status: review.status, mode: review.mode });
}
