/**
 * Matches a request's method and path against the route table of
 * `src/routes.ts` (with the user's corrections), plus the one route that only
 * the coordinator serves: the one-time view page of a new worker's token.
 */
import type { RouteName, RouteSpec, Routes } from "../routes.js";

/**
 * Routes that the coordinator serves but the SDK never builds itself: the
 * `view_url` of a registered worker is an absolute URL taken from the answer.
 */
export const COORDINATOR_ONLY_ROUTES = {
  viewToken: "GET /v/{id}",
} as const satisfies Record<Exclude<CoordinatorRouteName, RouteName>, RouteSpec>;

/** A route the local coordinator serves. */
export type CoordinatorRouteName = RouteName | "viewToken";

export type RouteMatch =
  | {
      kind: "route";
      /** The first name whose spec matched. */
      name: CoordinatorRouteName;
      /** Every name with this same spec (`PUT /presence` is `heartbeat` and `updatePresence`). */
      names: CoordinatorRouteName[];
      params: Record<string, string>;
    }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "not-found" };

interface CompiledRoute {
  name: CoordinatorRouteName;
  method: string;
  segments: string[];
  /** Literal segments count, so `/a/b` wins over `/a/{x}`. */
  literals: number;
}

export class Router {
  readonly #routes: CompiledRoute[];

  constructor(routes: Routes) {
    const table: Record<string, string> = { ...routes, ...COORDINATOR_ONLY_ROUTES };
    this.#routes = Object.entries(table).map(([name, spec]) => {
      const space = spec.indexOf(" ");
      const segments = spec
        .slice(space + 1)
        .split("/")
        .slice(1);
      return {
        name: name as CoordinatorRouteName,
        method: spec.slice(0, space),
        segments,
        literals: segments.filter((s) => !isParam(s)).length,
      };
    });
  }

  match(method: string, pathname: string): RouteMatch {
    const parts = pathname.split("/").slice(1);
    let best: { route: CompiledRoute; params: Record<string, string> }[] = [];
    const allow = new Set<string>();
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (params === undefined) continue;
      if (route.method !== method) {
        allow.add(route.method);
        continue;
      }
      const top = best[0];
      if (top === undefined || route.literals > top.route.literals) best = [{ route, params }];
      else if (route.literals === top.route.literals) best.push({ route, params });
    }
    const first = best[0];
    if (first !== undefined) {
      return {
        kind: "route",
        name: first.route.name,
        names: best.filter((b) => sameSegments(b.route, first.route)).map((b) => b.route.name),
        params: first.params,
      };
    }
    if (allow.size > 0) return { kind: "method-not-allowed", allow: [...allow].sort() };
    return { kind: "not-found" };
  }
}

function isParam(segment: string): boolean {
  return /^\{\w+\}$/.test(segment);
}

function sameSegments(a: CompiledRoute, b: CompiledRoute): boolean {
  return a.segments.join("/") === b.segments.join("/");
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i] as string;
    const actual = parts[i] as string;
    if (isParam(expected)) {
      if (actual === "") return undefined;
      try {
        params[expected.slice(1, -1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}
