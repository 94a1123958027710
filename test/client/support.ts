/**
 * Test support for the admin client: an msw server for `https://coordinator.test`
 * that records each request it answers, a client factory and a logger spy.
 * Unhandled requests are errors.
 */
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, vi } from "vitest";
import { type Logger, ModelReins, type ModelReinsOptions } from "../../src/index.js";

export const BASE = "https://coordinator.test";
/** Long enough to be redacted, distinctive enough to search for. */
export const TOKEN = "mr_admin_S3CR3T_0123456789abcdef";

/** One request as the server received it. */
export interface Seen {
  method: string;
  /** The path as sent, still URL-encoded. */
  path: string;
  /** The raw query string, with its `?`, or `""`. */
  search: string;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The raw body; `""` when none was sent. */
  text: string;
  /** The parsed body, when it was JSON. */
  json?: unknown;
}

/** What a handler answers (or a promise of it): a `Response`, or a value sent as JSON with status 200. */
export type Reply = (seen: Seen, call: number) => unknown;

export interface MockCoordinator {
  /** Every request answered, in arrival order. */
  readonly seen: Seen[];
  /** Adds a handler: `on("GET /api/jobs/:id", (seen, n) => ({ ... }))`; `n` counts this handler's calls from 1. */
  on(route: string, reply: Reply): void;
}

/** Starts msw for the calling test file; resets handlers, records, env stubs and spies after each test. */
export function setupMockCoordinator(): MockCoordinator {
  const seen: Seen[] = [];
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => {
    server.resetHandlers();
    seen.length = 0;
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });
  afterAll(() => server.close());
  return {
    seen,
    on(route, reply) {
      const [method, path] = route.split(" ") as [string, string];
      const make = { GET: http.get, POST: http.post, PUT: http.put, DELETE: http.delete }[method];
      if (!make) throw new Error(`bad method in ${route}`);
      let calls = 0;
      server.use(
        make(`${BASE}${path}`, async ({ request }) => {
          const url = new URL(request.url);
          const headers: Record<string, string> = {};
          request.headers.forEach((value, key) => {
            headers[key] = value;
          });
          const text = await request.text();
          const record: Seen = {
            method: request.method,
            path: url.pathname,
            search: url.search,
            query: Object.fromEntries(url.searchParams),
            headers,
            text,
          };
          if (text !== "") record.json = JSON.parse(text);
          seen.push(record);
          const answer = await reply(record, ++calls);
          return answer instanceof Response ? answer : HttpResponse.json(answer as never);
        }),
      );
    },
  };
}

/** A JSON answer with a status. */
export const status = (code: number, body: unknown = { error: `HTTP ${code}` }, headers?: Record<string, string>) =>
  HttpResponse.json(body as never, { status: code, ...(headers ? { headers } : {}) });

/** A logger whose four methods are spies. */
export function spyLogger() {
  const fn = () => vi.fn<(message: string, ...rest: unknown[]) => void>();
  return { debug: fn(), info: fn(), warn: fn(), error: fn() } satisfies Logger;
}

/** A client on the mock coordinator with a spy logger and instant retries (jitter 0). */
export function client(options: ModelReinsOptions = {}) {
  vi.spyOn(Math, "random").mockReturnValue(0);
  const logger = spyLogger();
  const mr = new ModelReins({ token: TOKEN, url: BASE, logger, ...options });
  return { mr, logger };
}

/** A job as the coordinator might send it. */
export function job(id: number | string, fields: Record<string, unknown> = {}) {
  return { id, prompt: `prompt ${id}`, status: "pending", assigned_to: null, ...fields };
}
