/**
 * `mr.workers`: register, list, read, pause and resume workers.
 */

import { checkId, checkObject, checkOneOf, checkString, checkStringArray, definedFields } from "../args.js";
import { describeValue } from "../check-options.js";
import type { RequestOptions } from "../http/core.js";
import { requestOptions } from "../http/request-options.js";
import type { JsonObject } from "../types.js";
import { RISK_TIERS } from "../types.js";
import { expectObjectList, expectObjectWith, expectWrapped, isId, type ObjectCheck } from "../validate.js";
import { Resource } from "./resource.js";
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
  if (!isId(id)) {
    return "has no usable worker id (a number or a non-empty string)";
  }
  return typeof name === "string" ? undefined : `(id ${String(id)}) has no name string`;
};

/** The admin calls on workers. Reach it as `mr.workers`. */
export class WorkersApi extends Resource {
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
    const body = await this.http.request("registerWorker", { json }, requestOptions(options, "workers.register()"));
    return expectObjectWith<RegisterWorkerResponse>(body, this.http.callInfo("registerWorker"), ["view_url"]);
  }

  /** Every worker: `GET /api/workers`. Accepts a bare array or `{ workers: [...] }`. */
  async list(options?: RequestOptions): Promise<WorkerInfo[]> {
    const body = await this.http.request("listWorkers", {}, requestOptions(options, "workers.list()"));
    return expectObjectList<WorkerInfo>(body, this.http.callInfo("listWorkers"), "workers", workerProblem);
  }

  /**
   * One worker: `GET /api/workers/<id>`.
   * @throws NotFoundError (404) when there is no such worker.
   */
  async get(id: WorkerId, options?: RequestOptions): Promise<WorkerInfo> {
    const params = { id: checkId("worker", id) };
    const body = await this.http.request("getWorker", { params }, requestOptions(options, "workers.get()"));
    return expectWrapped<WorkerInfo>(body, this.http.callInfo("getWorker", params), "worker", workerProblem);
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
    const method = route === "pauseWorker" ? "workers.pause()" : "workers.resume()";
    const body = await this.http.request(route, { params }, requestOptions(options, method));
    return expectWrapped<JsonObject>(body, this.http.callInfo(route, params), "worker") as WorkerActionResponse;
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
    throw new TypeError(`${where}.requires_secrets lists vault:// references; got ${describeValue(bad)}.`);
  }
  return definedFields(item) as Capability;
}
