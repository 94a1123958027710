/**
 * `mr.presence`: who is online, and setting an instance's presence.
 */
import type { HttpCore, RequestOptions } from "../http/core.js";
import { tagList } from "../options.js";
import type { JsonObject } from "../types.js";
import { expectObject, expectObjectList, type ObjectCheck } from "../validate.js";
import { callInfo, checkObject, checkString, requestOptions } from "./args.js";
import type { PresenceEntry, PresenceUpdate } from "./types.js";

const presenceProblem: ObjectCheck = (value) =>
  typeof value.instance === "string" ? undefined : "has no instance string";

/** The admin calls on presence. Reach it as `mr.presence`. */
export class PresenceApi {
  readonly #http: HttpCore;

  /** @internal Built by `ModelReins`. */
  constructor(http: HttpCore) {
    this.#http = http;
  }

  /**
   * Every instance's last heartbeat (online, idle, busy; last seen; load):
   * `GET /presence`. Accepts a bare array or `{ presence: [...] }`.
   */
  async list(options?: RequestOptions): Promise<PresenceEntry[]> {
    const body = await this.#http.request("listPresence", requestOptions(options));
    return expectObjectList<PresenceEntry>(body, callInfo(this.#http, "listPresence"), "presence", presenceProblem);
  }

  /**
   * Sets an instance's presence: `PUT /presence` with the body a worker's
   * heartbeat sends (`tags` comma-joined, `details` only when given).
   */
  async update(presence: PresenceUpdate, options?: RequestOptions): Promise<JsonObject> {
    const input = checkObject("presence.update: the presence", presence);
    const instance = checkString("presence.update: instance", input.instance, { nonEmpty: true });
    const status = checkString("presence.update: status", input.status ?? "active", { nonEmpty: true });
    const tags = tagList("presence.update: tags", input.tags as readonly string[] | undefined);
    const json: JsonObject = { instance, status, tags: tags.join(",") };
    if (input.details !== undefined) json.details = checkObject("presence.update: details", input.details);
    const body = await this.#http.request("updatePresence", { ...requestOptions(options), json });
    return expectObject(body, callInfo(this.#http, "updatePresence"));
  }
}
