/**
 * `mr.killswitch`: stop everything in the tenant at once, and clear it.
 */
import type { HttpCore, RequestOptions } from "../http/core.js";
import { expectObject } from "../validate.js";
import { callInfo, checkInteger, checkObject, checkString, requestOptions } from "./args.js";
import type { KillswitchClearOptions, KillswitchInput, KillswitchResponse } from "./types.js";

/** The admin calls on the tenant's killswitch. Reach it as `mr.killswitch`. */
export class KillswitchApi {
  readonly #http: HttpCore;

  /** @internal Built by `ModelReins`. */
  constructor(http: HttpCore) {
    this.#http = http;
  }

  /**
   * Activates the killswitch: `POST /tenant/killswitch` with `{level, reason}`.
   * The coordinator halts running jobs, pauses every worker and refuses
   * dispatch until {@link KillswitchApi.clear}.
   */
  async activate(input: KillswitchInput, options?: RequestOptions): Promise<KillswitchResponse> {
    const { level, reason } = checkObject("killswitch.activate: the input", input);
    if (level === undefined)
      throw new TypeError("killswitch.activate: level must be a whole number from 0 to 4; got nothing.");
    checkInteger("killswitch.activate: level", level, 0, 4);
    checkString("killswitch.activate: reason", reason, { nonEmpty: true });
    const body = await this.#http.request("activateKillswitch", {
      ...requestOptions(options),
      json: { level, reason },
    });
    return expectObject<KillswitchResponse>(body, callInfo(this.#http, "activateKillswitch"));
  }

  /**
   * Clears the killswitch: `POST /tenant/killswitch/clear`, with
   * `?resume_all=true` when `resumeAll` (workers stay paused otherwise).
   */
  async clear(options: KillswitchClearOptions = {}): Promise<KillswitchResponse> {
    const { resumeAll } = checkObject("killswitch.clear: the options", options);
    if (resumeAll !== undefined && typeof resumeAll !== "boolean") {
      throw new TypeError(`killswitch.clear: resumeAll must be a boolean; got ${typeof resumeAll}.`);
    }
    const body = await this.#http.request("clearKillswitch", {
      ...requestOptions(options),
      ...(resumeAll ? { query: { resume_all: "true" } } : {}),
    });
    return expectObject<KillswitchResponse>(body, callInfo(this.#http, "clearKillswitch"));
  }
}
