/**
 * `mr.jobs`: create, read, change, list, cancel, retry and wait for jobs.
 */
import { WaitTimeoutError } from "../errors.js";
import { sleep } from "../http/backoff.js";
import type { HttpCore, RequestOptions } from "../http/core.js";
import { positiveInteger, positiveNumber } from "../options.js";
import type { Job, JobId, JsonObject } from "../types.js";
import { JOB_PRIORITIES as PRIORITIES } from "../types.js";
import { expectJob, expectJobList, isObject } from "../validate.js";
import {
  callInfo,
  checkId,
  checkInteger,
  checkNullableString,
  checkObject,
  checkOneOf,
  checkString,
  checkStringArray,
  definedFields,
  requestOptions,
} from "./args.js";
import type { CancelOptions, JobInput, JobUpdate, ListAllJobsQuery, ListJobsQuery, WaitOptions } from "./types.js";

/** The states `wait()` ends on by default: every state a job does not leave by itself. */
export const FINAL_JOB_STATUSES = Object.freeze(["done", "completed", "failed", "cancelled"] as const);

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
export class JobsApi {
  readonly #http: HttpCore;

  /** @internal Built by `ModelReins`. */
  constructor(http: HttpCore) {
    this.#http = http;
  }

  /**
   * Creates a pending job: `POST /api/jobs`. Without `assigned_to` it waits for
   * an assignment; use `mr.dispatch()` to have the coordinator choose a worker.
   */
  async create(job: JobInput, options?: RequestOptions): Promise<Job> {
    const json = jobBody(job, "jobs.create");
    const body = await this.#http.request("createJob", { ...requestOptions(options), json });
    return expectJob(body, callInfo(this.#http, "createJob"));
  }

  /**
   * A job by id: `GET /api/jobs/<id>`.
   * @throws NotFoundError (404) when there is no such job.
   */
  async get(id: JobId, options?: RequestOptions): Promise<Job> {
    const params = { id: checkId("job", id) };
    const body = await this.#http.request("getJob", { ...requestOptions(options), params });
    return expectJob(body, callInfo(this.#http, "getJob", params));
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
    const body = await this.#http.request("updateJob", { ...requestOptions(options), params, json });
    return expectJob(body, callInfo(this.#http, "updateJob", params));
  }

  /**
   * One page of jobs: `GET /api/jobs?status=&provider=&limit=&offset=`. Items
   * without a usable id or prompt are logged and left out. See
   * {@link JobsApi.listAll} to walk every page.
   */
  async list(query: ListJobsQuery = {}, options?: RequestOptions): Promise<Job[]> {
    const q = checkObject("jobs.list: the query", query);
    const page = await this.#page(
      {
        ...this.#filters(q, "jobs.list"),
        limit: checkInteger("jobs.list: limit", q.limit, 1),
        offset: checkInteger("jobs.list: offset", q.offset, 0),
      },
      requestOptions(options),
    );
    return page.jobs;
  }

  /**
   * Every job that matches, page by page (`limit`/`offset`), fetched as the
   * loop asks for them. Stops on an empty page, on a page shorter than
   * `pageSize`, or once the answer's `total` (when it sends one) is reached.
   * Jobs created or deleted during the walk may shift the pages.
   *
   * @example
   * ```ts
   * for await (const job of mr.jobs.listAll({ status: "failed" })) console.log(job.id);
   * ```
   */
  listAll(query: ListAllJobsQuery = {}, options?: RequestOptions): AsyncGenerator<Job, void, undefined> {
    const q = checkObject("jobs.listAll: the query", query);
    const pageSize = positiveInteger("jobs.listAll: pageSize", q.pageSize as number | undefined, 100);
    return this.#walk(this.#filters(q, "jobs.listAll"), pageSize, requestOptions(options));
  }

  /**
   * Cancels a pending or running job: `POST /api/jobs/<id>/cancel`, with
   * `{"reason"}` when one is given, else no body.
   * @throws ConflictError (409) when the job has finished already.
   */
  async cancel(id: JobId, options: CancelOptions = {}): Promise<Job> {
    const params = { id: checkId("job", id) };
    const { reason } = checkObject("jobs.cancel: the options", options);
    if (reason !== undefined) checkString("jobs.cancel: reason", reason);
    const body = await this.#http.request("cancelJob", {
      ...requestOptions(options),
      params,
      ...(reason === undefined ? {} : { json: { reason } }),
    });
    return expectJob(body, callInfo(this.#http, "cancelJob", params));
  }

  /**
   * Puts a failed or cancelled job back to pending: `POST /api/jobs/<id>/retry`.
   * @throws ConflictError (409) when the job is in another state.
   */
  async retry(id: JobId, options?: RequestOptions): Promise<Job> {
    const params = { id: checkId("job", id) };
    const body = await this.#http.request("retryJob", { ...requestOptions(options), params });
    return expectJob(body, callInfo(this.#http, "retryJob", params));
  }

  /**
   * Waits for a job to reach a final state (or one of `until`) and returns it.
   * A helper of this SDK, not a server call: it polls {@link JobsApi.get}
   * every `intervalMs`, as a service that dispatched a job and needs its
   * result would.
   *
   * @returns the job in the first awaited state seen.
   * @throws WaitTimeoutError after `timeoutMs`, with the last state seen.
   * @throws the signal's reason when `signal` aborts; any error of `get()` (after its retries).
   * @example
   * ```ts
   * const job = await mr.dispatch({ prompt: "summarise" });
   * const done = await mr.jobs.wait(job.id, { timeoutMs: 10 * 60_000 });
   * if (done.status === "failed") console.error(done.result);
   * ```
   */
  async wait(id: JobId, options: WaitOptions = {}): Promise<Job> {
    checkId("job", id);
    const o = checkObject("jobs.wait: the options", options);
    checkStringArray("jobs.wait: until", o.until);
    const until = new Set<string>(o.until === undefined ? FINAL_JOB_STATUSES : (o.until as string[]));
    if (until.size === 0) throw new TypeError("jobs.wait: until must name at least one status.");
    const intervalMs = positiveNumber("jobs.wait: intervalMs", options.intervalMs, 2_000);
    const timeoutMs =
      options.timeoutMs === undefined ? undefined : positiveNumber("jobs.wait: timeoutMs", options.timeoutMs, 1);
    const { signal, maxRetries } = options;
    signal?.throwIfAborted();

    const deadline = new AbortController();
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => deadline.abort(), timeoutMs);
    const both = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    const timedOut = () => deadline.signal.aborted && !signal?.aborted;
    let last: Job | undefined;
    try {
      for (;;) {
        try {
          last = await this.get(id, { signal: both, maxRetries });
        } catch (error) {
          if (timedOut()) throw new WaitTimeoutError(id, last, timeoutMs ?? 0);
          throw error;
        }
        if (until.has(last.status)) return last;
        await sleep(intervalMs, both);
        signal?.throwIfAborted();
        if (timedOut()) throw new WaitTimeoutError(id, last, timeoutMs ?? 0);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #filters(query: JsonObject, label: string): { status?: string; provider?: string } {
    const { status, provider } = query;
    if (status !== undefined) checkString(`${label}: status`, status, { nonEmpty: true });
    if (provider !== undefined) checkString(`${label}: provider`, provider, { nonEmpty: true });
    return definedFields({ status, provider }) as { status?: string; provider?: string };
  }

  async #page(
    query: Record<string, string | number | undefined>,
    options: RequestOptions,
  ): Promise<{ jobs: Job[]; count: number; total: number | undefined }> {
    const body = await this.#http.request("listJobs", { ...options, query });
    const { jobs, rejected } = expectJobList(body, callInfo(this.#http, "listJobs"));
    if (rejected.length > 0) {
      this.#http.logger.warn(
        `The job list held ${rejected.length} job(s) the SDK cannot use, left out: ${rejected.join("; ")}`,
      );
    }
    const total = isObject(body) && typeof body.total === "number" ? body.total : undefined;
    return { jobs, count: jobs.length + rejected.length, total };
  }

  async *#walk(
    filters: { status?: string; provider?: string },
    pageSize: number,
    options: RequestOptions,
  ): AsyncGenerator<Job, void, undefined> {
    for (let offset = 0; ; ) {
      const page = await this.#page({ ...filters, limit: pageSize, offset }, options);
      yield* page.jobs;
      offset += page.count;
      const more = page.total === undefined ? page.count >= pageSize : offset < page.total;
      // A page larger than asked for means the server ignores limit/offset: walking on would repeat it forever.
      if (page.count === 0 || page.count > pageSize || !more) return;
    }
  }
}
