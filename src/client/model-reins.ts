/**
 * `ModelReins`: the typed client of the coordinator's admin API. It sends
 * through the same HTTP core as `Worker` (retries, timeouts, errors); each
 * resource group is a small class in its own file.
 */

import { checkOptions, describeValueHidingStrings, optionKeys } from "../check-options.js";
import { NoEligibleWorkerError } from "../errors.js";
import type { HttpCore, RequestOptions } from "../http/core.js";
import { TOKEN_ENV } from "../http/hints.js";
import { requestOptions } from "../http/request-options.js";
import type { Logger } from "../logger.js";
import { CONNECTION_OPTIONS, createHttpCore } from "../options.js";
import type { Job } from "../types.js";
import { expectJob, expectObject } from "../validate.js";
import { CostApi } from "./cost.js";
import { JobsApi, jobBody } from "./jobs.js";
import { KillswitchApi } from "./killswitch.js";
import { PresenceApi } from "./presence.js";
import type { HealthResponse, JobInput, ModelReinsOptions } from "./types.js";
import { WorkersApi } from "./workers.js";

/** Where the admin token comes from when the `token` option is absent, in this order. */
export const ADMIN_TOKEN_ENV = TOKEN_ENV.admin;

/** The keys of {@link ModelReinsOptions}. */
const OPTION_KEYS = optionKeys<ModelReinsOptions>({ ...CONNECTION_OPTIONS });

/**
 * On dispatch a 503 means "no worker is eligible", an answer rather than an
 * outage: it becomes {@link NoEligibleWorkerError} at once, unretried. Other
 * 5xx answers of dispatch are retried as usual.
 */
const DISPATCH_ERRORS = Object.freeze({ 503: NoEligibleWorkerError });

/**
 * The client of the ModelReins coordinator's admin API: jobs, dispatch,
 * workers, presence, the killswitch and costs. It needs an admin token (a
 * user API key), not a worker token.
 *
 * Every method is `method(ids…, params?, options?)`: its optional last
 * argument holds the per-call request options (`signal`, `timeoutMs`,
 * `maxRetries`) and nothing else. Each throws a `WorkerError` subclass
 * when the call fails, a `TypeError` when its arguments are wrong.
 *
 * @example
 * ```ts
 * import { ModelReins, NoEligibleWorkerError } from "modelreins-worker";
 *
 * const mr = new ModelReins(); // token from MODELREINS_ADMIN_TOKEN or MODELREINS_API_KEY
 * try {
 *   const job = await mr.dispatch({ prompt: "Summarise the report", tags: ["reports"] });
 *   const done = await mr.jobs.wait(job.id, { maxWaitMs: 5 * 60_000 });
 *   console.log(done.status, done.result);
 * } catch (err) {
 *   if (NoEligibleWorkerError.is(err)) console.log("no worker online; try later");
 *   else throw err;
 * }
 * ```
 */
export class ModelReins {
  /** The coordinator's base URL, without a trailing slash. */
  readonly url: string;
  /** Jobs: create, get, update, list, listAll, cancel, retry, wait. */
  readonly jobs: JobsApi;
  /** Workers: register, list, get, pause, resume. */
  readonly workers: WorkersApi;
  /** Presence: list, update. */
  readonly presence: PresenceApi;
  /** The tenant's killswitch: activate, clear. */
  readonly killswitch: KillswitchApi;
  /** Costs: summary, breakdown. */
  readonly cost: CostApi;
  readonly #http: HttpCore;

  /**
   * @throws TypeError when no token is given or set in `MODELREINS_ADMIN_TOKEN`
   * or `MODELREINS_API_KEY`, or an option is invalid.
   */
  constructor(options?: ModelReinsOptions) {
    this.#http = createHttpCore(
      checkOptions(options, OPTION_KEYS, "ModelReins options", describeValueHidingStrings),
      "admin",
    );
    this.url = this.#http.baseUrl;
    this.jobs = new JobsApi(this.#http);
    this.workers = new WorkersApi(this.#http);
    this.presence = new PresenceApi(this.#http);
    this.killswitch = new KillswitchApi(this.#http);
    this.cost = new CostApi(this.#http);
  }

  /** The logger this client writes to. */
  get logger(): Logger {
    return this.#http.logger;
  }

  /** Whether the coordinator is up: `GET /health`, sent without the token. */
  async health(options?: RequestOptions): Promise<HealthResponse> {
    const body = await this.#http.request("health", { auth: false }, requestOptions(options, "health()"));
    return expectObject<HealthResponse>(body, this.#http.callInfo("health"));
  }

  /**
   * Creates a job and has the coordinator assign it to an eligible worker (or
   * to `assigned_to`): `POST /dispatch`. Returns the job with its `assigned_to`.
   *
   * @throws NoEligibleWorkerError (503) when no worker can take it; not retried.
   * @throws WorkerError subclasses for other failures, e.g. while the killswitch is active.
   */
  async dispatch(job: JobInput, options?: RequestOptions): Promise<Job> {
    const json = jobBody(job, "dispatch");
    const body = await this.#http.request(
      "dispatch",
      { json, errorMap: DISPATCH_ERRORS },
      requestOptions(options, "dispatch()"),
    );
    return expectJob(body, this.#http.callInfo("dispatch"));
  }
}
