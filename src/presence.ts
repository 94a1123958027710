/**
 * The body of `PUT /presence`, built in one place for the worker's heartbeat
 * and the admin `presence.update()`: `status` defaults to `"active"`, `tags`
 * travel as one comma-separated string, `details` only when given, and every
 * other field given (`provider`, ...) as it is.
 */
import { checkObject, checkString, definedFields } from "./args.js";
import { tagList } from "./options.js";
import type { JsonObject } from "./types.js";

/** The fields of a presence, as the caller gives them. */
export interface PresenceFields {
  instance: string;
  status?: unknown;
  tags?: unknown;
  details?: unknown;
  [key: string]: unknown;
}

/** Checks a presence and returns its request body; `method` names the call in messages. */
export function presenceBody(fields: PresenceFields, method: string): JsonObject {
  const { instance, status = "active", tags, details, ...rest } = fields;
  const body: JsonObject = {
    ...definedFields(rest),
    instance: checkString(`${method}: instance`, instance, { nonEmpty: true }),
    status: checkString(`${method}: status`, status, { nonEmpty: true }),
    tags: typeof tags === "string" ? tags : tagList(`${method}: tags`, tags as readonly string[] | undefined).join(","),
  };
  if (details !== undefined) body.details = checkObject(`${method}: details`, details);
  return body;
}
