/**
 * `mr.cost`: what the tenant's jobs cost, in total and broken down.
 */
import { checkOneOf } from "../args.js";
import { optionKeys } from "../check-options.js";
import type { RequestOptions } from "../http/core.js";
import { checkParams, requestOptions } from "../http/request-options.js";
import { expectObject } from "../validate.js";
import { Resource } from "./resource.js";
import type { CostBreakdown, CostPeriod, CostQuery, CostSummary } from "./types.js";

const PERIODS = ["day", "week", "month"] as const satisfies readonly CostPeriod[];

/** The admin calls on costs. Reach it as `mr.cost`. */
export class CostApi extends Resource {
  /** Totals for a period: `GET /api/cost/summary?period=day|week|month` (period left out when not given). */
  async summary(query?: CostQuery, options?: RequestOptions): Promise<CostSummary> {
    const body = await this.http.request(
      "costSummary",
      { query: { period: period("cost.summary", query) } },
      requestOptions(options, "cost.summary()"),
    );
    return expectObject<CostSummary>(body, this.http.callInfo("costSummary"));
  }

  /** Costs split by provider and model: `GET /api/cost/breakdown?period=day|week|month`. */
  async breakdown(query?: CostQuery, options?: RequestOptions): Promise<CostBreakdown> {
    const body = await this.http.request(
      "costBreakdown",
      { query: { period: period("cost.breakdown", query) } },
      requestOptions(options, "cost.breakdown()"),
    );
    return expectObject<CostBreakdown>(body, this.http.callInfo("costBreakdown"));
  }
}

const QUERY_KEYS = optionKeys<CostQuery>({ period: true });

function period(label: string, query: CostQuery | undefined): CostPeriod | undefined {
  return checkOneOf(
    `${label}: period`,
    checkParams(query, QUERY_KEYS, `the query of ${label}()`).period,
    PERIODS,
    true,
  );
}
