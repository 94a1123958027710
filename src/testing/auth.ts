/**
 * Who may call what: worker calls need a worker token, admin calls the admin
 * token; `GET /health`, artifacts and the one-time view page need none.
 * A route reachable under several names (`PUT /presence`) accepts the tokens
 * of every name.
 */
import { CoordinatorError } from "./reply.js";
import type { CoordinatorRouteName } from "./router.js";

export type TokenKind = "admin" | "worker";
type Access = TokenKind | "public";

const ACCESS: Record<CoordinatorRouteName, Access> = {
  health: "public",
  artifact: "public",
  viewToken: "public",
  heartbeat: "worker",
  inbox: "worker",
  claim: "worker",
  complete: "worker",
  uploadArtifact: "worker",
  submitReview: "worker",
  registerWorker: "admin",
  createJob: "admin",
  dispatch: "admin",
  getJob: "admin",
  updateJob: "admin",
  listJobs: "admin",
  cancelJob: "admin",
  retryJob: "admin",
  listWorkers: "admin",
  getWorker: "admin",
  pauseWorker: "admin",
  resumeWorker: "admin",
  listPresence: "admin",
  updatePresence: "admin",
  activateKillswitch: "admin",
  clearKillswitch: "admin",
  costSummary: "admin",
  costBreakdown: "admin",
};

/**
 * Checks the `Authorization` header for a route. Returns the kind of token
 * used, or null for a public route. Never puts the token in a message.
 */
export function authorize(
  names: readonly CoordinatorRouteName[],
  header: string | null,
  kindOf: (token: string) => TokenKind | undefined,
): TokenKind | null {
  const accepted = new Set(names.map((name) => ACCESS[name]));
  if (accepted.has("public")) return null;
  if (header === null || header.trim() === "") {
    throw new CoordinatorError(401, 'missing "Authorization: Bearer <token>" header.', {
      "www-authenticate": "Bearer",
    });
  }
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header.trim());
  if (!match) {
    throw new CoordinatorError(401, 'the Authorization header must be "Bearer <token>".', {
      "www-authenticate": "Bearer",
    });
  }
  const kind = kindOf(match[1] as string);
  if (kind === undefined) {
    throw new CoordinatorError(401, "unknown token.", { "www-authenticate": 'Bearer error="invalid_token"' });
  }
  if (!accepted.has(kind)) {
    const needed = [...accepted].join(" or ");
    throw new CoordinatorError(
      403,
      `this call needs ${needed === "admin" ? "the admin" : `a ${needed}`} token, not ${kind === "admin" ? "an admin" : "a worker"} token.`,
    );
  }
  return kind;
}
