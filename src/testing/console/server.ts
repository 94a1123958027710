/**
 * The web console's HTTP side: the page and its two assets, a JSON API for
 * the page (a snapshot, an event stream, actions) and the artifacts it shows.
 * Actions go through the coordinator's own admin routes, so the console does
 * exactly what an admin client would; the admin token stays on the server.
 *
 * Every API call must carry the secret made when the listener started, in the
 * `x-console-secret` header; a page on another site cannot read it (it is
 * only in the console's HTML) and cannot send a custom header cross-origin
 * without a CORS preflight, which this server never answers.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { JobId } from "../../types.js";
import { isObject } from "../../validate.js";
import type { CoordinatorListener } from "../events.js";
import type {
  ArtifactRecord,
  CoordinatorJob,
  KillswitchState,
  PresenceRecord,
  ReviewRecord,
  WorkerRecord,
} from "../records.js";
import { CoordinatorError } from "../reply.js";
import { CONSOLE_SCRIPT } from "./client.js";
import { changeStream } from "./event-stream.js";
import { CONSOLE_ICON, consolePage } from "./page.js";
import { CONSOLE_STYLE } from "./style.js";

/** What the console shows: one consistent picture of the coordinator. */
export interface ConsoleSnapshot {
  /** The coordinator's clock, so the page can age heartbeats without trusting the browser's clock. */
  now: string;
  killswitch: KillswitchState;
  jobs: CoordinatorJob[];
  workers: WorkerRecord[];
  presence: PresenceRecord[];
  reviews: ReviewRecord[];
  artifacts: Omit<ArtifactRecord, "bytes">[];
}

/** An admin call the console forwards: a route of the route table and its parts. */
export interface AdminCall {
  route:
    | "dispatch"
    | "cancelJob"
    | "retryJob"
    | "pauseWorker"
    | "resumeWorker"
    | "activateKillswitch"
    | "clearKillswitch";
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
}

/** What the console needs from the coordinator. */
export interface ConsoleBackend {
  snapshot(): ConsoleSnapshot;
  /** Answers an admin call as the coordinator's HTTP API would, with the admin token. */
  admin(call: AdminCall, origin: string, signal: AbortSignal): Promise<Response>;
  /** The artifact with this slug; throws CoordinatorError (404, 410) as `GET /s/<slug>` answers. */
  artifact(slug: string): ArtifactRecord;
  decideReview(id: JobId, decision: "approved" | "rejected", note: string | undefined): ReviewRecord;
  on(listener: CoordinatorListener): () => void;
}

/** The header that carries the per-start secret. */
export const SECRET_HEADER = "x-console-secret";
const API = "/_console/api/";

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

// The page may load its own script and style and images, and talk to its own origin: nothing else.
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export class ConsoleServer {
  readonly #backend: ConsoleBackend;
  readonly #secret = randomBytes(24).toString("base64url");

  constructor(backend: ConsoleBackend) {
    this.#backend = backend;
  }

  /** Whether a path is the console's; every other path is the coordinator's API. */
  static serves(pathname: string): boolean {
    return pathname === "/" || pathname.startsWith("/_console/");
  }

  async handle(request: Request, signal: AbortSignal): Promise<Response> {
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    try {
      if (!url.pathname.startsWith(API)) return this.#asset(method, url.pathname);
      this.#checkCaller(request, url);
      return await this.#api(method, url, request, signal);
    } catch (error) {
      if (error instanceof CoordinatorError) return reply(error.status, { error: error.message });
      throw error;
    }
  }

  #asset(method: string, pathname: string): Response {
    if (method !== "GET" && method !== "HEAD") {
      throw new CoordinatorError(405, `${pathname} answers GET only.`);
    }
    if (pathname === "/") {
      return text(consolePage(this.#secret), "text/html; charset=utf-8", {
        "content-security-policy": PAGE_POLICY,
        "x-frame-options": "DENY",
        // A page that opened the console in a new window gets no handle on it.
        "cross-origin-opener-policy": "same-origin",
      });
    }
    if (pathname === "/_console/app.js") return text(CONSOLE_SCRIPT, "text/javascript; charset=utf-8");
    if (pathname === "/_console/app.css") return text(CONSOLE_STYLE, "text/css; charset=utf-8");
    if (pathname === "/_console/icon.svg") return text(CONSOLE_ICON, "image/svg+xml");
    const slug = /^\/_console\/artifacts\/([^/]+)$/.exec(pathname)?.[1];
    if (slug !== undefined) return this.#artifact(decodeSlug(slug));
    throw new CoordinatorError(404, `the console has no page ${pathname}; open / for the console.`);
  }

  /** An artifact's bytes, sandboxed: an HTML artifact cannot script the console's origin. */
  #artifact(slug: string): Response {
    const record = this.#backend.artifact(slug);
    return new Response(record.bytes.slice(), {
      headers: {
        ...SECURITY_HEADERS,
        "content-type": record.content_type,
        "content-security-policy": "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
        "content-disposition": `inline; filename*=UTF-8''${encodeURIComponent(record.filename)}`,
      },
    });
  }

  /** Refuses a call that does not come from the console's own page. */
  #checkCaller(request: Request, url: URL): void {
    // The listener has checked Host already: the page is at http://127.0.0.1:<port> or http://localhost:<port>.
    const host = request.headers.get("host");
    const pageOrigin = host === null ? url.origin : `http://${host.toLowerCase()}`;
    // EventSource cannot send headers: the event stream takes the secret as a query parameter.
    const given =
      request.headers.get(SECRET_HEADER) ?? (url.pathname === `${API}events` ? url.searchParams.get("secret") : null);
    if (given === null || !sameSecret(given, this.#secret)) {
      throw new CoordinatorError(
        403,
        `console calls need the "${SECRET_HEADER}" header that the console page carries; open the console at ${pageOrigin}/ instead of calling ${url.pathname} directly.`,
      );
    }
    const origin = request.headers.get("origin");
    if (origin !== null && origin !== pageOrigin) {
      throw new CoordinatorError(
        403,
        `console calls must come from the console's own page (${pageOrigin}), not ${origin}.`,
      );
    }
  }

  async #api(method: string, url: URL, request: Request, signal: AbortSignal): Promise<Response> {
    const path = url.pathname.slice(API.length);
    if (method === "GET" && path === "state") return reply(200, this.#backend.snapshot());
    if (method === "GET" && path === "events") return this.#events(signal);
    const action = ACTIONS.find((a) => a.pattern.test(path));
    if (action === undefined) throw new CoordinatorError(404, `the console has no call ${url.pathname}.`);
    if (method !== "POST") throw new CoordinatorError(405, `${url.pathname} answers POST only.`);
    if (!(request.headers.get("content-type") ?? "").startsWith("application/json")) {
      throw new CoordinatorError(415, "console actions send a JSON body with content-type: application/json.");
    }
    const body = await readObject(request);
    const id = action.pattern.exec(path)?.[1] ?? "";
    if (action.review !== undefined) {
      const note = body.note;
      if (note !== undefined && typeof note !== "string") throw new CoordinatorError(400, '"note" must be a string.');
      return reply(200, this.#backend.decideReview(id, action.review, note === "" ? undefined : note));
    }
    const call = action.call?.(id, body);
    if (call === undefined) throw new CoordinatorError(404, `the console has no call ${url.pathname}.`);
    return this.#backend.admin(call, url.origin, signal);
  }

  /** Server-sent events: the page fetches a fresh snapshot on each. */
  #events(signal: AbortSignal): Response {
    return new Response(
      changeStream((listener) => this.#backend.on(listener), signal),
      { headers: { ...SECURITY_HEADERS, "content-type": "text/event-stream; charset=utf-8" } },
    );
  }
}

interface Action {
  pattern: RegExp;
  review?: "approved" | "rejected";
  call?: (id: string, body: Record<string, unknown>) => AdminCall;
}

/** The console's actions, each one admin route (reviews have none in the protocol: they are decided here). */
const ACTIONS: readonly Action[] = [
  { pattern: /^dispatch$/, call: (_, body) => ({ route: "dispatch", body }) },
  { pattern: /^jobs\/([^/]+)\/cancel$/, call: (id, body) => ({ route: "cancelJob", params: { id }, body }) },
  { pattern: /^jobs\/([^/]+)\/retry$/, call: (id) => ({ route: "retryJob", params: { id } }) },
  { pattern: /^workers\/([^/]+)\/pause$/, call: (id) => ({ route: "pauseWorker", params: { id } }) },
  { pattern: /^workers\/([^/]+)\/resume$/, call: (id) => ({ route: "resumeWorker", params: { id } }) },
  { pattern: /^killswitch$/, call: (_, body) => ({ route: "activateKillswitch", body }) },
  {
    pattern: /^killswitch\/clear$/,
    call: (_, body) => ({ route: "clearKillswitch", query: body.resume_all === true ? "?resume_all=true" : "" }),
  },
  // Review ids are checked here: the review helpers take ids, not paths.
  { pattern: /^reviews\/([1-9][0-9]*)\/approve$/, review: "approved" },
  { pattern: /^reviews\/([1-9][0-9]*)\/reject$/, review: "rejected" },
];

function decodeSlug(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new CoordinatorError(404, `no artifact ${JSON.stringify(raw)}.`);
  }
}

function sameSecret(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readObject(request: Request): Promise<Record<string, unknown>> {
  const raw = await request.text();
  if (raw.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new CoordinatorError(400, "the body is not valid JSON.");
  }
  if (!isObject(value)) throw new CoordinatorError(400, "the body must be a JSON object.");
  return value;
}

function reply(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "application/json" },
  });
}

function text(body: string, type: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { headers: { ...SECURITY_HEADERS, "content-type": type, ...headers } });
}
