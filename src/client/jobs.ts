/**
 * `mr.jobs`: create, read, change, list, cancel, retry and wait for jobs.
 */
import {
  checkId,
  checkInteger,
  checkNullableString,
  checkObject,
  checkOneOf,
  checkString,
  checkStringArray,
  definedFields,
} from "../args.js";
import { optionKeys } from "../check-options.js";
import { WaitTimeoutError } from "../errors.js";
import { sleep } from "../http/backoff.js";
import type { RequestOptions } from "../http/core.js";
import { checkParams, requestOptions } from "../http/request-options.js";
import { positiveInteger, positiveNumber } from "../options.js";
import type { Job, JobId, JsonObject } from "../types.js";
import { JOB_PRIORITIES as PRIORITIES } from "../types.js";
import { expectJob, expectJobList, isObject } from "../validate.js";
import { Resource } from "./resource.js";
import type { CancelParams, JobInput, JobUpdate, ListAllJobsQuery, ListJobsQuery, WaitParams } from "./types.js";

/** The states `wait()` ends on by default: every state a job does not leave by itself. */
export const FINAL_JOB_STATUSES = Object.freeze(["done", "completed", "failed", "cancelled"] as const);

const CANCEL_PARAM_KEYS = optionKeys<CancelParams>({ reason: true });
const WAIT_PARAM_KEYS = optionKeys<WaitParams>({ until: true, pollIntervalMs: true, maxWaitMs: true });
const LIST_ALL_QUERY_KEYS = optionKeys<ListAllJobsQuery>({ status: true, provider: true, pageSize: true });
const LIST_QUERY_KEYS = optionKeys<ListJobsQuery>({ status: true, provider: true, limit: true, offset: true });

/**
 * Checks a new job (`jobs.create()`, `dispatch()`) and returns its request body:
 * the given fields, extra ones included, without the `undefined` ones.
 */
export function jobBody(input: JobInput, label: string): JsonObject {
  const job = checkObject(`${label}: the job`, input);
  checkString(`${label}: prompt`, job.prompt, { nonEmpty: true });
  checkNullableString(`${label}: provider`, job.provider);
  checkNullableString(`${label}: model`, job.model);
  checkOneOf(`${label}: priority`, job.priority, PRIORITIES, true);
  checkNullableString(`${label}: tier`, job.tier);
  checkStringArray(`${label}: tags`, job.tags);
  checkNullableString(`${label}: assigned_to`, job.assigned_to);
  if (job.assigned_to === "") throw new TypeError(`${label}: assigned_to must be a worker name or null, not "".`);
  return definedFields(job);
}

/** The admin calls on jobs. Reach it as `mr.jobs`. */
export class JobsApi extends Resource {
  /**
   * Creates a pending job: `POST /api/jobs`. Without `assigned_to` it waits for
   * an assignment; use `mr.dispatch()` to have the coordinator choose a worker.
   */
  async create(job: JobInput, options?: RequestOptions): Promise<Job> {
    const json = jobBody(job, "jobs.create");
    const body = await this.http.request("createJob", { json }, requestOptions(options, "jobs.create()"));
    return expectJob(body, this.http.callInfo("createJob"));
  }

  /**
   * A job by id: `GET /api/jobs/<id>`.
   * @throws NotFoundError (404) when there is no such job.
   */
  async get(id: JobId, options?: RequestOptions): Promise<Job> {
    const params = { id: checkId("job", id) };
    const body = await this.http.request("getJob", { params }, requestOptions(options, "jobs.get()"));
    return expectJob(body, this.http.callInfo("getJob", params));
  }

  /**
   * Changes a job's `tags`, `priority` or `tier`: `PUT /api/jobs/<id>`. Only
   * the fields given are sent.
   * @throws ConflictError (409) once the job has finished.
   */
  async update(id: JobId, changes: JobUpdate, options?: RequestOptions): Promise<Job> {
    const params = { id: checkId("job", id) };
    const fields = checkObject("jobs.update: the changes", changes);
    checkStringArray("jobs.update: tags", fields.tags);
    checkOneOf("jobs.update: priority", fields.priority, PRIORITIES, true);
    checkNullableString("jobs.update: tier", fields.tier);
    const json = definedFields(fields);
    if (Object.keys(json).length === 0)
      throw new TypeError("jobs.update needs at least one of tags, priority or tier.");
    const body = await this.http.request("updateJob", { params, json }, requestOptions(options, "jobs.update()"));
    return expectJob(body, this.http.callInfo("updateJob", params));
  }

  /**
   * One page of jobs: `GET /api/jobs?status=&provider=&limit=&offset=`. Items
   * without a usable id or prompt are logged and left out. A server may answer
   * fewer than `limit` even when more follow (its own cap on the page size):
   * see {@link JobsApi.listAll} to walk every page.
   */
  async list(query?: ListJobsQuery, options?: RequestOptions): Promise<Job[]> {
    const q = checkParams(query, LIST_QUERY_KEYS, "the query of jobs.list()");
    const page = await this.#page(
      {
        ...this.#filters(q, "jobs.list"),
        limit: checkInteger("jobs.list: limit", q.limit, 1),
        offset: checkInteger("jobs.list: offset", q.offset, 0),
      },
      requestOptions(options, "jobs.list()"),
    );
    return page.jobs;
  }

  /**
   * Every job that matches, page by page (`limit`/`offset`), fetched as the
   * loop asks for them. Goes on until an empty page, or until the answer's
   * `total` when it sends one: a page shorter than `pageSize` is not taken
   * for the last, since a server may cap its page size. Jobs created or
   * deleted during the walk may shift the pages.
   *
   * @example
   * ```ts
   * for await (const job of mr.jobs.listAll({ status: "failed" })) console.log(job.id);
   * ```
   */
  listAll(query?: ListAllJobsQuery, options?: RequestOptions): AsyncGenerator<Job, void, undefined> {
    const q = checkParams(query, LIST_ALL_QUERY_KEYS, "the query of jobs.listAll()");
    const pageSize = positiveInteger("jobs.listAll: pageSize", q.pageSize, 100);
    return this.#walk(this.#filters(q, "jobs.listAll"), pageSize, requestOptions(options, "jobs.listAll()"));
  }

  /**
   * Cancels a pending or running job: `POST /api/jobs/<id>/cancel`, with
   * `{"reason"}` when one is given, else no body.
   * @throws ConflictError (409) when the job has finished already.
   */
  async cancel(id: JobId, params?: CancelParams, options?: RequestOptions): Promise<Job> {
    const path = { id: checkId("job", id) };
    const { reason } = checkParams(params, CANCEL_PARAM_KEYS, "the params of jobs.cancel()");
    if (reason !== undefined) checkString("jobs.cancel: reason", reason);
    const body = await this.http.request(
      "cancelJob",
      { params: path, ...(reason === undefined ? {} : { json: { reason } }) },
      requestOptions(options, "jobs.cancel()"),
    );
    return expectJob(body, this.http.callInfo("cancelJob", path));
  }

  /**
   * Puts a failed or cancelled job back to pending: `POST /api/jobs/<id>/retry`.
   * @throws ConflictError (409) when the job is in another state.
   */
  async retry(id: JobId, options?: RequestOptions): Promise<Job> {
    const params = { id: checkId("job", id) };
    const body = await this.http.request("retryJob", { params }, requestOptions(options, "jobs.retry()"));
    return expectJob(body, this.http.callInfo("retryJob", params));
  }

  /**
   * Waits for a job to reach a final state (or one of `until`) and returns it.
   * A helper of this SDK, not a server call: it polls {@link JobsApi.get}
   * every `pollIntervalMs`, as a service that dispatched a job and needs its
   * result would. `options` are those of any call: `signal` stops the wait,
   * `timeoutMs` and `maxRetries` apply to each look at the job.
   *
   * @returns the job in the first awaited state seen.
   * @throws WaitTimeoutError after `maxWaitMs`, with the last state seen.
   * @throws the signal's reason when `signal` aborts; any error of `get()` (after its retries).
   * @example
   * ```ts
   * const job = await mr.dispatch({ prompt: "summarise" });
   * const done = await mr.jobs.wait(job.id, { maxWaitMs: 10 * 60_000 });
   * if (done.status === "failed") console.error(done.result);
   * ```
   */
  async wait(id: JobId, params?: WaitParams, options?: RequestOptions): Promise<Job> {
    checkId("job", id);
    const p = checkParams(params, WAIT_PARAM_KEYS, "the params of jobs.wait()");
    checkStringArray("jobs.wait: until", p.until);
    const until = new Set<string>(p.until ?? FINAL_JOB_STATUSES);
    if (until.size === 0) throw new TypeError("jobs.wait: until must name at least one status.");
    const pollIntervalMs = positiveNumber("jobs.wait: pollIntervalMs", p.pollIntervalMs, 2_000);
    const maxWaitMs = p.maxWaitMs === undefined ? undefined : positiveNumber("jobs.wait: maxWaitMs", p.maxWaitMs, 1);
    const { signal, ...perLook } = requestOptions(options, "jobs.wait()");
    signal?.throwIfAborted();

    const deadline = new AbortController();
    const timer = maxWaitMs === undefined ? undefined : setTimeout(() => deadline.abort(), maxWaitMs);
    const both = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    const timedOut = () => deadline.signal.aborted && !signal?.aborted;
    const giveUp = () => new WaitTimeoutError(id, last, maxWaitMs ?? 0, this.http.callInfo("getJob", { id }));
    let last: Job | undefined;
    try {
      for (;;) {
        try {
          last = await this.get(id, { ...perLook, signal: both });
        } catch (error) {
          if (timedOut()) throw giveUp();
          throw error;
        }
        if (until.has(last.status)) return last;
        await sleep(pollIntervalMs, both);
        signal?.throwIfAborted();
        if (timedOut()) throw giveUp();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #filters(query: { status?: unknown; provider?: unknown }, label: string): { status?: string; provider?: string } {
    const { status, provider } = query;
    if (status !== undefined) checkString(`${label}: status`, status, { nonEmpty: true });
    if (provider !== undefined) checkString(`${label}: provider`, provider, { nonEmpty: true });
    return definedFields({ status, provider }) as { status?: string; provider?: string };
  }

  async #page(
    query: Record<string, string | number | undefined>,
    options: RequestOptions,
  ): Promise<{ jobs: Job[]; count: number; total: number | undefined }> {
    const body = await this.http.request("listJobs", { query }, options);
    const { jobs, count } = expectJobList(body, this.http.callInfo("listJobs"), this.http.logger);
    const total = isObject(body) && typeof body.total === "number" ? body.total : undefined;
    return { jobs, count, total };
  }

  async *#walk(
    filters: { status?: string; provider?: string },
    pageSize: number,
    options: RequestOptions,
  ): AsyncGenerator<Job, void, undefined> {
    let previous = "";
    for (let offset = 0; ; ) {
      const page = await this.#page({ ...filters, limit: pageSize, offset }, options);
      // A page larger than asked for, or the same page again, means the server ignores
      // limit or offset: walking on would repeat it forever.
      const ids = page.jobs.map((job) => String(job.id)).join("\n");
      if (page.count === 0 || (offset > 0 && ids === previous)) return;
      yield* page.jobs;
      offset += page.count;
      previous = ids;
      if (page.count > pageSize || (page.total !== undefined && offset >= page.total)) return;
    }
  }
}
