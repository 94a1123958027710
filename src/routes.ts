/**
 * Every HTTP route the SDK calls, in one table (PROTOCOL.md).
 *
 * Routes marked "chosen" are shapes the public docs do not state; the others
 * are documented. Users can correct any of them with the `routes` option of
 * `Worker` and `ModelReins` without waiting for a release.
 */
import { closest } from "./suggest.js";

/** An HTTP method the coordinator's API uses. */
export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** A route as `"METHOD /path/{param}"`. */
export type RouteSpec = `${HttpMethod} /${string}`;

/** The route table's defaults. */
export const DEFAULT_ROUTES = {
  // Connection
  health: "GET /health", // doc

  // Worker calls
  heartbeat: "PUT /presence", // doc
  inbox: "GET /my-jobs", // doc; the `status` query is chosen
  claim: "POST /api/jobs/{id}/claim", // chosen
  complete: "POST /api/jobs/{id}/complete", // chosen
  uploadArtifact: "POST /api/artifacts", // chosen
  submitReview: "POST /api/reviews", // chosen
  artifact: "GET /s/{slug}", // doc

  // Admin calls (coordinator API reference)
  registerWorker: "POST /api/v1/workers/register", // doc
  createJob: "POST /api/jobs", // doc
  dispatch: "POST /dispatch", // doc
  getJob: "GET /api/jobs/{id}", // doc
  updateJob: "PUT /api/jobs/{id}", // doc
  listJobs: "GET /api/jobs", // doc
  cancelJob: "POST /api/jobs/{id}/cancel", // doc
  retryJob: "POST /api/jobs/{id}/retry", // doc
  listWorkers: "GET /api/workers", // doc
  getWorker: "GET /api/workers/{id}", // doc
  pauseWorker: "POST /api/workers/{id}/pause", // doc
  resumeWorker: "POST /api/workers/{id}/resume", // doc
  listPresence: "GET /presence", // doc
  updatePresence: "PUT /presence", // doc
  activateKillswitch: "POST /tenant/killswitch", // doc
  clearKillswitch: "POST /tenant/killswitch/clear", // doc
  costSummary: "GET /api/cost/summary", // doc
  costBreakdown: "GET /api/cost/breakdown", // doc
} as const satisfies Record<string, RouteSpec>;

/** The name of a route in the table. */
export type RouteName = keyof typeof DEFAULT_ROUTES;

/** A full route table. */
export type Routes = { readonly [K in RouteName]: RouteSpec };

/** A route resolved for one request. */
export interface ResolvedRoute {
  method: HttpMethod;
  /** The path with its parameters filled in and URL-encoded. */
  path: string;
}

const ROUTE_PATTERN = /^(GET|POST|PUT|DELETE) (\/\S*)$/;

/**
 * Merges user overrides over the defaults, checking each one's form so a typo
 * fails at construction, not on the first request.
 */
export function resolveRoutes(overrides: Partial<Record<RouteName, string>> = {}): Routes {
  const routes: Record<string, RouteSpec> = { ...DEFAULT_ROUTES };
  for (const [name, spec] of Object.entries(overrides)) {
    if (spec === undefined) continue;
    if (!(name in DEFAULT_ROUTES)) {
      const suggestion = closest(name, Object.keys(DEFAULT_ROUTES));
      throw new TypeError(
        `Unknown route "${name}" in the routes option${suggestion ? `; did you mean "${suggestion}"?` : ""}. Known routes: ${Object.keys(DEFAULT_ROUTES).join(", ")}.`,
      );
    }
    if (!ROUTE_PATTERN.test(spec)) {
      throw new TypeError(
        `Route "${name}" must look like "POST /api/jobs/{id}/claim" (a method, one space, a path starting with "/"); got ${JSON.stringify(spec)}.`,
      );
    }
    routes[name] = spec as RouteSpec;
  }
  return Object.freeze(routes) as Routes;
}

/**
 * Fills a route's `{param}` placeholders, URL-encoding each value, so a job
 * id such as `"a/b"` cannot change the path.
 */
export function buildRoute(
  routes: Routes,
  name: RouteName,
  params: Record<string, string | number> = {},
): ResolvedRoute {
  const match = ROUTE_PATTERN.exec(routes[name]);
  if (!match) throw new TypeError(`Route "${name}" is malformed: ${routes[name]}`);
  const method = match[1] as HttpMethod;
  const path = (match[2] as string).replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined || value === "") {
      throw new TypeError(`Route "${name}" needs a value for {${key}}.`);
    }
    return encodeURIComponent(String(value));
  });
  return { method, path };
}
