/**
 * `mr.killswitch`: stop everything in the tenant at once, and clear it.
 */
import { checkInteger, checkString } from "../args.js";
import { describeValue, optionKeys } from "../check-options.js";
import type { RequestOptions } from "../http/core.js";
import { checkParams, requestOptions } from "../http/request-options.js";
import { expectObject } from "../validate.js";
import { Resource } from "./resource.js";
import type { KillswitchClearParams, KillswitchInput, KillswitchResponse } from "./types.js";

const ACTIVATE_KEYS = optionKeys<KillswitchInput>({ level: true, reason: true });
const CLEAR_PARAM_KEYS = optionKeys<KillswitchClearParams>({ resume_all: true });

/** The admin calls on the tenant's killswitch. Reach it as `mr.killswitch`. */
export class KillswitchApi extends Resource {
  /**
   * Activates the killswitch: `POST /tenant/killswitch` with `{level, reason}`.
   * The coordinator halts running jobs, pauses every worker and refuses
   * dispatch until {@link KillswitchApi.clear}.
   */
  async activate(input: KillswitchInput, options?: RequestOptions): Promise<KillswitchResponse> {
    if (input === undefined) throw new TypeError("killswitch.activate needs { level, reason }.");
    const { level, reason } = checkParams(input, ACTIVATE_KEYS, "the input of killswitch.activate()");
    if (level === undefined)
      throw new TypeError("killswitch.activate: level must be a whole number from 0 to 4; got nothing.");
    checkInteger("killswitch.activate: level", level, 0, 4);
    checkString("killswitch.activate: reason", reason, { nonEmpty: true });
    const body = await this.http.request(
      "activateKillswitch",
      { json: { level, reason } },
      requestOptions(options, "killswitch.activate()"),
    );
    return expectObject<KillswitchResponse>(body, this.http.callInfo("activateKillswitch"));
  }

  /**
   * Clears the killswitch: `POST /tenant/killswitch/clear`, with
   * `?resume_all=true` when `resume_all` (workers stay paused otherwise).
   */
  async clear(params?: KillswitchClearParams, options?: RequestOptions): Promise<KillswitchResponse> {
    const { resume_all } = checkParams(params, CLEAR_PARAM_KEYS, "the params of killswitch.clear()");
    if (resume_all !== undefined && typeof resume_all !== "boolean") {
      throw new TypeError(`killswitch.clear: resume_all must be a boolean; got ${describeValue(resume_all)}.`);
    }
    const body = await this.http.request(
      "clearKillswitch",
      resume_all ? { query: { resume_all: "true" } } : {},
      requestOptions(options, "killswitch.clear()"),
    );
    return expectObject<KillswitchResponse>(body, this.http.callInfo("clearKillswitch"));
  }
}
