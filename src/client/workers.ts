/**
 * `mr.workers`: register, list, read, pause and resume workers.
 */
import type { HttpCore, RequestOptions } from "../http/core.js";
import type { JsonObject } from "../types.js";
import { RISK_TIERS } from "../types.js";
import { expectObjectList, expectObjectWith, expectWrapped, type ObjectCheck } from "../validate.js";
import {
  callInfo,
  checkId,
  checkObject,
  checkOneOf,
  checkString,
  checkStringArray,
  definedFields,
  requestOptions,
} from "./args.js";
import type {
  Capability,
  RegisterWorkerInput,
  RegisterWorkerResponse,
  WorkerActionResponse,
  WorkerId,
  WorkerInfo,
} from "./types.js";

/** A worker record needs an id and a name. */
const workerProblem: ObjectCheck = (value) => {
  const { id, name } = value;
  if (!((typeof id === "number" && Number.isFinite(id)) || (typeof id === "string" && id !== ""))) {
    return "has no usable worker id (a number or a non-empty string)";
  }
  return typeof name === "string" ? undefined : `(id ${String(id)}) has no name string`;
};

/** The admin calls on workers. Reach it as `mr.workers`. */
export class WorkersApi {
  readonly #http: HttpCore;

  /** @internal Built by `ModelReins`. */
  constructor(http: HttpCore) {
    this.#http = http;
  }

  /**
   * Registers a worker with its capabilities: `POST /api/v1/workers/register`.
   * The answer's `view_url` reveals the new worker's token once: open it, or
   * pass it on, before anyone else can.
   * @throws ConflictError (409) when the name is taken.
   */
  async register(worker: RegisterWorkerInput, options?: RequestOptions): Promise<RegisterWorkerResponse> {
    const input = checkObject("workers.register: the worker", worker);
    checkString("workers.register: name", input.name, { nonEmpty: true });
    if (input.description !== undefined) checkString("workers.register: description", input.description);
    if (!Array.isArray(input.capabilities)) {
      throw new TypeError("workers.register: capabilities must be an array of { name, risk_tier, requires_secrets? }.");
    }
    const capabilities = (input.capabilities as unknown[]).map((item, index) => capability(item, index));
    const json = { ...definedFields(input), capabilities };
    const body = await this.#http.request("registerWorker", { ...requestOptions(options), json });
    return expectObjectWith<RegisterWorkerResponse>(body, callInfo(this.#http, "registerWorker"), ["view_url"]);
  }

  /** Every worker: `GET /api/workers`. Accepts a bare array or `{ workers: [...] }`. */
  async list(options?: RequestOptions): Promise<WorkerInfo[]> {
    const body = await this.#http.request("listWorkers", requestOptions(options));
    return expectObjectList<WorkerInfo>(body, callInfo(this.#http, "listWorkers"), "workers", workerProblem);
  }

  /**
   * One worker: `GET /api/workers/<id>`.
   * @throws NotFoundError (404) when there is no such worker.
   */
  async get(id: WorkerId, options?: RequestOptions): Promise<WorkerInfo> {
    const params = { id: checkId("worker", id) };
    const body = await this.#http.request("getWorker", { ...requestOptions(options), params });
    return expectWrapped<WorkerInfo>(body, callInfo(this.#http, "getWorker", params), "worker", workerProblem);
  }

  /** Stops giving a worker jobs: `POST /api/workers/<id>/pause`. Returns the server's answer, usually the worker. */
  async pause(id: WorkerId, options?: RequestOptions): Promise<WorkerActionResponse> {
    return this.#action("pauseWorker", id, options);
  }

  /** Lets a paused worker take jobs again: `POST /api/workers/<id>/resume`. Returns the server's answer, usually the worker. */
  async resume(id: WorkerId, options?: RequestOptions): Promise<WorkerActionResponse> {
    return this.#action("resumeWorker", id, options);
  }

  async #action(
    route: "pauseWorker" | "resumeWorker",
    id: WorkerId,
    options: RequestOptions | undefined,
  ): Promise<WorkerActionResponse> {
    const params = { id: checkId("worker", id) };
    const body = await this.#http.request(route, { ...requestOptions(options), params });
    return expectWrapped<JsonObject>(body, callInfo(this.#http, route, params), "worker") as WorkerActionResponse;
  }
}

/** Checks one capability and returns it without its `undefined` fields. */
function capability(value: unknown, index: number): Capability {
  const where = `workers.register: capabilities[${index}]`;
  const item = checkObject(where, value);
  checkString(`${where}.name`, item.name, { nonEmpty: true });
  checkOneOf(`${where}.risk_tier`, item.risk_tier, RISK_TIERS, false);
  checkStringArray(`${where}.requires_secrets`, item.requires_secrets);
  const bad = (item.requires_secrets as string[] | undefined)?.find((ref) => !ref.startsWith("vault://"));
  if (bad !== undefined) {
    throw new TypeError(
      `${where}.requires_secrets lists vault:// references; got ${JSON.stringify(bad.slice(0, 40))}.`,
    );
  }
  return definedFields(item) as Capability;
}
