/**
 * `mr.cost`: what the tenant's jobs cost, in total and broken down.
 */
import type { HttpCore, RequestOptions } from "../http/core.js";
import { expectObject } from "../validate.js";
import { callInfo, checkObject, checkOneOf, requestOptions } from "./args.js";
import type { CostBreakdown, CostPeriod, CostQuery, CostSummary } from "./types.js";

const PERIODS = ["day", "week", "month"] as const satisfies readonly CostPeriod[];

/** The admin calls on costs. Reach it as `mr.cost`. */
export class CostApi {
  readonly #http: HttpCore;

  /** @internal Built by `ModelReins`. */
  constructor(http: HttpCore) {
    this.#http = http;
  }

  /** Totals for a period: `GET /api/cost/summary?period=day|week|month` (period left out when not given). */
  async summary(query: CostQuery = {}, options?: RequestOptions): Promise<CostSummary> {
    const body = await this.#http.request("costSummary", {
      ...requestOptions(options),
      query: { period: period("cost.summary", query) },
    });
    return expectObject<CostSummary>(body, callInfo(this.#http, "costSummary"));
  }

  /** Costs split by provider and model: `GET /api/cost/breakdown?period=day|week|month`. */
  async breakdown(query: CostQuery = {}, options?: RequestOptions): Promise<CostBreakdown> {
    const body = await this.#http.request("costBreakdown", {
      ...requestOptions(options),
      query: { period: period("cost.breakdown", query) },
    });
    return expectObject<CostBreakdown>(body, callInfo(this.#http, "costBreakdown"));
  }
}

function period(label: string, query: CostQuery): CostPeriod | undefined {
  return checkOneOf(`${label}: period`, checkObject(`${label}: the query`, query).period, PERIODS, true);
}
