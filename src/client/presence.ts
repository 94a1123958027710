/**
 * `mr.presence`: who is online, and setting an instance's presence.
 */
import { checkObject } from "../args.js";
import type { RequestOptions } from "../http/core.js";
import { requestOptions } from "../http/request-options.js";
import { presenceBody } from "../presence.js";
import type { PresenceEntry, PresenceResponse } from "../types.js";
import { expectObject, expectObjectList, type ObjectCheck } from "../validate.js";
import { Resource } from "./resource.js";
import type { PresenceUpdate } from "./types.js";

const presenceProblem: ObjectCheck = (value) =>
  typeof value.instance === "string" ? undefined : "has no instance string";

/** The admin calls on presence. Reach it as `mr.presence`. */
export class PresenceApi extends Resource {
  /**
   * Every instance's last heartbeat (online, idle, busy; last seen; load):
   * `GET /presence`. Accepts a bare array or `{ presence: [...] }`.
   */
  async list(options?: RequestOptions): Promise<PresenceEntry[]> {
    const body = await this.http.request("listPresence", {}, requestOptions(options, "presence.list()"));
    return expectObjectList<PresenceEntry>(body, this.http.callInfo("listPresence"), "presence", presenceProblem);
  }

  /**
   * Sets an instance's presence: `PUT /presence` with every field given
   * (`provider` and any other), `tags` comma-joined as a worker's heartbeat
   * sends them and `details` only when given.
   */
  async update(presence: PresenceUpdate, options?: RequestOptions): Promise<PresenceResponse> {
    const input = checkObject("presence.update: the presence", presence);
    const json = presenceBody(input as PresenceUpdate, "presence.update");
    const body = await this.http.request("updatePresence", { json }, requestOptions(options, "presence.update()"));
    return expectObject<PresenceResponse>(body, this.http.callInfo("updatePresence"));
  }
}
