/**
 * One request's way through the coordinator, whatever the transport: requeue
 * check, routing, fault injection, auth, idempotency, the route's handler,
 * the request log. A lost connection surfaces as a thrown DroppedConnection.
 */
import { authorize } from "./auth.js";
import { RequestBody } from "./body.js";
import type { EventInput } from "./events.js";
import { DroppedConnection, type FaultSet, type FaultSpec } from "./faults.js";
import { HANDLERS } from "./handlers/index.js";
import type { IdempotencyStore } from "./idempotency.js";
import type { ResolvedOptions } from "./options.js";
import type { RequestRecord } from "./records.js";
import { CoordinatorError, errorReply, json, type Reply, toResponse } from "./reply.js";
import type { CoordinatorRouteName, Router } from "./router.js";
import type { State } from "./state.js";

export interface PipelineDeps {
  options: ResolvedOptions;
  state: State;
  router: Router;
  faults: FaultSet;
  idempotency: IdempotencyStore;
  emit: (event: EventInput) => void;
  log: (record: RequestRecord) => void;
}

/**
 * Handles one request. `signal` aborts a stalled request (the client gave up,
 * or the coordinator closed).
 */
export async function handle(deps: PipelineDeps, request: Request, signal: AbortSignal): Promise<Response> {
  const url = new URL(request.url);
  const method = request.method.toUpperCase();
  deps.state.sweep();
  const match = deps.router.match(method, url.pathname);
  const names: CoordinatorRouteName[] = match.kind === "route" ? match.names : [];
  const record: RequestRecord = {
    method,
    path: url.pathname,
    query: url.search,
    status: 0,
    route: match.kind === "route" ? match.name : null,
    time: deps.options.now(),
  };

  const fault = deps.faults.pick(names);
  if (fault !== undefined) {
    record.fault = fault.kind;
    deps.emit({ type: "fault", kind: fault.kind, method, path: url.pathname, route: record.route });
  }
  try {
    if (fault?.kind === "drop-before") throw new DroppedConnection("before");
    if (fault?.kind === "stall") await never(signal);
    const { reply, replayed } =
      fault?.kind === "status" ? { reply: faultReply(fault), replayed: false } : await route(deps, request, url, match);
    record.status = reply.status;
    if (replayed) record.replayed = true;
    if (reply.status >= 400 && typeof reply.body === "string") {
      const error = (JSON.parse(reply.body) as { error?: unknown }).error;
      if (typeof error === "string") record.error = error;
    }
    if (fault?.kind === "drop-after") throw new DroppedConnection("after");
    return toResponse(reply);
  } finally {
    deps.log(record);
  }
}

async function route(
  deps: PipelineDeps,
  request: Request,
  url: URL,
  match: ReturnType<Router["match"]>,
): Promise<{ reply: Reply; replayed: boolean }> {
  try {
    if (match.kind === "not-found") {
      throw new CoordinatorError(404, `no route for ${request.method.toUpperCase()} ${url.pathname}.`);
    }
    if (match.kind === "method-not-allowed") {
      throw new CoordinatorError(
        405,
        `${request.method.toUpperCase()} is not allowed on ${url.pathname}; allowed: ${match.allow.join(", ")}.`,
        {
          allow: match.allow.join(", "),
        },
      );
    }
    authorize(match.names, request.headers.get("authorization"), (token) => deps.state.roster.tokenKind(token));
    const body = new RequestBody(request, deps.options.maxBodyBytes);
    const handler = HANDLERS[match.name];
    const act = async (): Promise<Reply> => {
      try {
        return await handler({ request, url, params: match.params, body, state: deps.state, baseUrl: url.origin });
      } catch (error) {
        return replyFor(error);
      }
    };
    const key = request.headers.get("idempotency-key");
    if (deps.options.idempotency && request.method.toUpperCase() === "POST" && key !== null) {
      if (key === "" || key.length > 255)
        throw new CoordinatorError(400, "Idempotency-Key must be 1 to 255 characters.");
      // Compare JSON bodies on replay; multipart bodies differ by boundary, so they are not compared.
      const fingerprint = body.isJson() ? new TextDecoder().decode(await body.bytes()) : null;
      return await deps.idempotency.run(`POST ${url.pathname}${url.search}`, key, fingerprint, act);
    }
    return { reply: await act(), replayed: false };
  } catch (error) {
    return { reply: replyFor(error), replayed: false };
  }
}

function replyFor(error: unknown): Reply {
  if (error instanceof CoordinatorError) return errorReply(error);
  // A bug in the coordinator itself: say so instead of hiding it.
  return json(500, {
    error: `local coordinator bug: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  });
}

function faultReply(fault: Readonly<FaultSpec>): Reply {
  const status = fault.status ?? 500;
  return json(
    status,
    { error: `injected fault: status ${status}` },
    fault.retryAfter === undefined ? {} : { "retry-after": fault.retryAfter },
  );
}

/** Waits until the signal aborts, then rejects with its reason. */
function never(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}
