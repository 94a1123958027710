/**
 * What a route handler receives, and small helpers shared by the handlers.
 */
import type { RequestBody } from "../body.js";
import { CoordinatorError, type Reply } from "../reply.js";
import type { State } from "../state.js";
import { parseId } from "../validate.js";

export interface HandlerContext {
  request: Request;
  url: URL;
  /** The route's `{param}` values, URL-decoded. */
  params: Record<string, string>;
  body: RequestBody;
  state: State;
  /** The coordinator's base URL as the client reached it (for absolute URLs). */
  baseUrl: string;
}

export type Handler = (ctx: HandlerContext) => Reply | Promise<Reply>;

/** The `{id}` of a job route; 404 when it cannot be a job id. */
export function jobIdParam(ctx: HandlerContext): number {
  const raw = ctx.params.id ?? "";
  const id = parseId(raw);
  if (id === undefined)
    throw new CoordinatorError(404, `no job ${JSON.stringify(raw)}: job ids are positive integers.`);
  return id;
}
