/**
 * The base of the admin client's resource groups (`mr.jobs`, `mr.workers`,
 * ...): each sends through the one HTTP core of its `ModelReins`.
 */
import type { HttpCore } from "../http/core.js";

/** A group of admin calls that share their client's HTTP core. */
export abstract class Resource {
  /** The client's HTTP core. */
  protected readonly http: HttpCore;

  /** @internal Built by `ModelReins`. */
  constructor(http: HttpCore) {
    this.http = http;
  }
}
