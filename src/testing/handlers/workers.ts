/**
 * Admin calls on workers and presence: register (with its one-time token
 * view), list, get, pause, resume, and the presence list.
 */

import { RISK_TIERS } from "../../types.js";
import type { Capability } from "../records.js";
import { json, type Reply } from "../reply.js";
import { allowQuery, badRequest, Fields } from "../validate.js";
import type { HandlerContext } from "./context.js";

/** `POST /api/v1/workers/register`: the worker record with `view_url`, never the token. */
export async function registerWorker(ctx: HandlerContext): Promise<Reply> {
  const fields = new Fields(await ctx.body.json());
  const name = fields.nonEmptyString("name");
  const description = fields.nullableString("description") ?? null;
  const capabilities = fields.array("capabilities").map((item, i) => parseCapability(item, `capabilities[${i}]`));
  fields.end();
  const { worker, viewId } = ctx.state.roster.register({ name, description, capabilities });
  return json(201, { ...worker, view_url: `${ctx.baseUrl}/v/${viewId}` });
}

function parseCapability(value: unknown, where: string): Capability {
  const fields = new Fields(value, where);
  const capability: Capability = {
    name: fields.nonEmptyString("name"),
    risk_tier: fields.oneOf("risk_tier", RISK_TIERS, true) as Capability["risk_tier"],
  };
  const secrets = fields.optionalStringArray("requires_secrets");
  fields.end();
  if (secrets !== undefined) {
    const bad = secrets.find((s) => !s.startsWith("vault://"));
    if (bad !== undefined)
      throw badRequest(`"${where}.requires_secrets" lists vault:// references; got ${JSON.stringify(bad)}.`);
    capability.requires_secrets = secrets;
  }
  return capability;
}

/** `GET /v/<id>`: `{"token"}` once, then 410. */
export function viewToken(ctx: HandlerContext): Reply {
  const token = ctx.state.roster.view(ctx.params.id ?? "");
  return json(200, { token }, { "cache-control": "no-store" });
}

export function listWorkers(ctx: HandlerContext): Reply {
  allowQuery(ctx.url.searchParams, []);
  return json(200, { workers: ctx.state.roster.workers() });
}

/** `GET /api/workers/<id>`: by id, or by name when no id matches. */
export function getWorker(ctx: HandlerContext): Reply {
  allowQuery(ctx.url.searchParams, []);
  return json(200, ctx.state.roster.worker(ctx.params.id ?? ""));
}

export async function pauseWorker(ctx: HandlerContext): Promise<Reply> {
  new Fields(await ctx.body.optionalJson()).end();
  return json(200, ctx.state.roster.setPaused(ctx.params.id ?? "", true));
}

export async function resumeWorker(ctx: HandlerContext): Promise<Reply> {
  new Fields(await ctx.body.optionalJson()).end();
  return json(200, ctx.state.roster.setPaused(ctx.params.id ?? "", false));
}

/** `GET /presence`: `{"presence": [...]}` with `online`, `paused` and `load`. */
export function listPresence(ctx: HandlerContext): Reply {
  allowQuery(ctx.url.searchParams, []);
  return json(200, { presence: ctx.state.roster.presence() });
}
