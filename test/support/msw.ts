/**
 * Test support: an msw server for `https://coordinator.test` that records
 * every request it answers (method, raw path, query, headers, JSON, text or
 * multipart body), a small stateful fake coordinator for the run loop, and a
 * logger spy. Unhandled requests are errors.
 */
import { type HttpHandler, HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, vi } from "vitest";
import type { Logger } from "../../src/index.js";

export const BASE = "https://coordinator.test";
/** Long enough to be redacted (>= 4 chars), distinctive enough to search for. */
export const TOKEN = "mrw_tok_S3CR3T_0123456789abcdef";
export const WORKER_NAME = "test-worker";

/** One multipart part as the server received it. */
export type FormPart = string | { filename: string; type: string; bytes: Uint8Array };

export interface RecordedRequest {
  method: string;
  /** The path as sent, still URL-encoded (`/api/jobs/a%2Fb/claim`). */
  path: string;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The parsed body, when it was JSON. */
  json?: unknown;
  /** The raw body, when it was neither JSON nor multipart. */
  text?: string;
  /** Multipart parts by name, in order (repeated names keep every value). */
  form?: Array<[string, FormPart]>;
  /** `performance.now()` when the request arrived. */
  at: number;
}

export type Resolver = (ctx: {
  request: Request;
  params: Record<string, string | readonly string[] | undefined>;
  record: RecordedRequest;
}) => Response | undefined | Promise<Response | undefined>;

async function recordRequest(request: Request): Promise<RecordedRequest> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    headers[key] = value;
  });
  const record: RecordedRequest = {
    method: request.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    at: performance.now(),
  };
  if (request.method === "GET" || request.method === "HEAD") return record;
  const type = request.headers.get("content-type") ?? "";
  if (type.startsWith("multipart/form-data")) {
    const form = await request.clone().formData();
    const parts: Array<[string, FormPart]> = [];
    const entries: Array<[string, FormDataEntryValue]> = [];
    form.forEach((value, name) => {
      entries.push([name, value]);
    });
    for (const [name, value] of entries) {
      if (typeof value === "string") parts.push([name, value]);
      else
        parts.push([
          name,
          { filename: value.name, type: value.type, bytes: new Uint8Array(await value.arrayBuffer()) },
        ]);
    }
    record.form = parts;
    return record;
  }
  const text = await request.clone().text();
  if (text === "") return record;
  try {
    record.json = JSON.parse(text);
  } catch {
    record.text = text;
  }
  return record;
}

export interface MockServer {
  /** Every request answered by an `on` handler, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Adds a handler: `on("POST /api/jobs/:id/claim", resolver)`; `origin` defaults to {@link BASE}. */
  on(route: string, resolver: Resolver, origin?: string): void;
  /** The requests to one route (method + msw path pattern match on the raw path). */
  to(method: string, pathPrefix: string): RecordedRequest[];
  readonly server: ReturnType<typeof setupServer>;
}

/** msw handler for `"METHOD /path"` that records the request before resolving it. */
export function recordingHandler(
  requests: RecordedRequest[],
  route: string,
  resolver: Resolver,
  origin: string = BASE,
): HttpHandler {
  const [method, path] = route.split(" ") as [string, string];
  const make = {
    GET: http.get,
    POST: http.post,
    PUT: http.put,
    DELETE: http.delete,
  }[method];
  if (!make) throw new Error(`bad method in ${route}`);
  return make(`${origin}${path}`, async ({ request, params }) => {
    const record = await recordRequest(request);
    requests.push(record);
    return resolver({ request, params: params as Record<string, string>, record });
  });
}

/**
 * Starts an msw server for the calling test file: listens before all tests,
 * forgets handlers and records after each, closes after all.
 */
export function setupMockServer(): MockServer {
  const requests: RecordedRequest[] = [];
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => {
    server.resetHandlers();
    requests.length = 0;
  });
  afterAll(() => server.close());
  return {
    requests,
    server,
    on(route, resolver, origin = BASE) {
      server.use(recordingHandler(requests, route, resolver, origin));
    },
    to(method, pathPrefix) {
      return requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
    },
  };
}

/** A logger whose four methods are spies. */
export interface SpyLogger extends Logger {
  debug: ReturnType<typeof vi.fn<(message: string, ...rest: unknown[]) => void>>;
  info: ReturnType<typeof vi.fn<(message: string, ...rest: unknown[]) => void>>;
  warn: ReturnType<typeof vi.fn<(message: string, ...rest: unknown[]) => void>>;
  error: ReturnType<typeof vi.fn<(message: string, ...rest: unknown[]) => void>>;
}

export function spyLogger(): SpyLogger {
  return {
    debug: vi.fn<(message: string, ...rest: unknown[]) => void>(),
    info: vi.fn<(message: string, ...rest: unknown[]) => void>(),
    warn: vi.fn<(message: string, ...rest: unknown[]) => void>(),
    error: vi.fn<(message: string, ...rest: unknown[]) => void>(),
  };
}

/** Every line a spy logger received, for searching (e.g. for the token). */
export function loggedText(logger: SpyLogger): string {
  return [logger.debug, logger.info, logger.warn, logger.error]
    .flatMap((fn) => fn.mock.calls.map((call) => call.map((part) => String(part)).join(" ")))
    .join("\n");
}

export const json = (body: unknown, init?: ResponseInit) => HttpResponse.json(body as never, init);

/** A promise and its resolve function. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// A stateful fake coordinator for the run loop.

export interface FakeJob {
  id: number | string;
  prompt: string;
  status: string;
  assigned_to: string | null;
  result?: string;
  [key: string]: unknown;
}

export interface Completion {
  id: string;
  worker: unknown;
  status: unknown;
  result: unknown;
  at: number;
}

export type Route = "heartbeat" | "inbox" | "claim" | "complete";

/**
 * A hook run before a route's normal handling: return a Response to answer
 * with it instead (the state is not changed), or `undefined` to go on.
 */
export type BeforeHook = (ctx: {
  record: RecordedRequest;
  id?: string;
}) => Response | undefined | Promise<Response | undefined>;

/**
 * A coordinator that holds jobs in memory: the inbox lists a worker's jobs in
 * a state, claim moves a pending job to running (409 otherwise), complete
 * moves a running job to done/failed (409 otherwise).
 */
export class FakeCoordinator {
  readonly jobs = new Map<string, FakeJob>();
  readonly completions: Completion[] = [];
  readonly heartbeats: RecordedRequest[] = [];
  readonly claims: RecordedRequest[] = [];
  readonly inboxCalls: RecordedRequest[] = [];
  /** The most jobs that were claimed and not yet completed at one time. */
  maxRunning = 0;
  before: Partial<Record<Route, BeforeHook>> = {};
  /** Replaces the answer of a claim after the state has changed (to lose the answer). */
  afterClaim: ((job: FakeJob) => Response | undefined) | undefined;
  /** Replaces the answer of a completion after the state has changed (to lose the answer). */
  afterComplete: ((job: FakeJob) => Response | undefined) | undefined;
  /** When true, the inbox ignores the `status` query (lists every job of the worker). */
  ignoreStatusQuery = false;
  #nextId = 1;

  constructor(private readonly mock: MockServer) {}

  add(fields: Partial<FakeJob> = {}): FakeJob {
    const id = fields.id ?? this.#nextId++;
    const job: FakeJob = { id, prompt: `prompt ${id}`, status: "pending", assigned_to: WORKER_NAME, ...fields };
    this.jobs.set(String(id), job);
    return job;
  }

  addMany(count: number): FakeJob[] {
    return Array.from({ length: count }, () => this.add());
  }

  get running(): number {
    return [...this.jobs.values()].filter((job) => job.status === "running").length;
  }

  completionsOf(id: number | string): Completion[] {
    return this.completions.filter((c) => c.id === String(id));
  }

  /** Installs the coordinator's handlers on the mock server. */
  install(): this {
    this.mock.on("PUT /presence", async ({ record }) => {
      const early = await this.before.heartbeat?.({ record });
      if (early) return early;
      this.heartbeats.push(record);
      return json({ ok: true });
    });
    this.mock.on("GET /my-jobs", async ({ record }) => {
      const early = await this.before.inbox?.({ record });
      if (early) return early;
      this.inboxCalls.push(record);
      const { worker, status } = record.query;
      const jobs = [...this.jobs.values()].filter(
        (job) => job.assigned_to === worker && (this.ignoreStatusQuery || job.status === status),
      );
      return json({ jobs: structuredClone(jobs) });
    });
    this.mock.on("POST /api/jobs/:id/claim", async ({ record, params }) => {
      const id = String(params.id);
      const early = await this.before.claim?.({ record, id });
      if (early) return early;
      this.claims.push(record);
      const job = this.jobs.get(id);
      if (!job) return json({ error: "no such job" }, { status: 404 });
      if (job.status !== "pending") return json({ error: `job is ${job.status}` }, { status: 409 });
      job.status = "running";
      job.assigned_to = String((record.json as { worker?: unknown } | undefined)?.worker);
      this.maxRunning = Math.max(this.maxRunning, this.running);
      return this.afterClaim?.(job) ?? json(structuredClone(job));
    });
    this.mock.on("POST /api/jobs/:id/complete", async ({ record, params }) => {
      const id = String(params.id);
      const early = await this.before.complete?.({ record, id });
      if (early) return early;
      const job = this.jobs.get(id);
      if (!job) return json({ error: "no such job" }, { status: 404 });
      const body = record.json as { worker?: unknown; status?: unknown; result?: unknown };
      this.completions.push({ id, worker: body.worker, status: body.status, result: body.result, at: record.at });
      if (job.status !== "running") return json({ error: `job is ${job.status}` }, { status: 409 });
      job.status = String(body.status);
      job.result = String(body.result);
      return this.afterComplete?.(job) ?? json({ ok: true, id: job.id, status: job.status });
    });
    return this;
  }
}
