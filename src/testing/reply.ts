/**
 * What a handler answers, before it becomes a `Response`, and the error that
 * handlers throw to answer with a JSON `{"error": "..."}` body.
 */

/** A status, headers and a body: JSON text or raw bytes (artifacts). */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/**
 * Thrown by the local coordinator when a call is refused: inside a route
 * handler it becomes a JSON error response with `status`; from a test helper
 * (`coordinator.dispatch()`, `createJob()`, ...) it reaches the caller.
 */
export class CoordinatorError extends Error {
  override readonly name = "CoordinatorError";
  /** The HTTP status the coordinator answers with. */
  readonly status: number;
  /** Extra response headers (`Allow`, `Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

/** A JSON reply. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

/** The JSON reply for an error. */
export function errorReply(error: CoordinatorError): Reply {
  return json(error.status, { error: error.message }, { ...error.headers });
}

/** Turns a reply into a WHATWG `Response`. */
export function toResponse(reply: Reply): Response {
  const body = reply.status === 204 || reply.status === 304 ? null : reply.body;
  return new Response(body as BodyInit | null, { status: reply.status, headers: reply.headers });
}
