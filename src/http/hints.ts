/**
 * What to tell someone whose set-up is wrong: the sentences that errors about
 * a missing or refused token, an unreachable URL or an answer that is not a
 * coordinator's end with. Each names where the setting came from and what to
 * do, so the worker, the admin client and the CLI say the same thing.
 */

/** Which side of the coordinator's API a client speaks: a worker's calls, or the admin API. */
export type ClientKind = "worker" | "admin";

/** The command that runs a local coordinator, for messages. */
export const LOCAL_COORDINATOR_COMMAND = "npx modelreins-worker dev";

/** The environment variables each kind of client reads its token from, in order. */
export const TOKEN_ENV = Object.freeze({
  worker: Object.freeze(["MODELREINS_TOKEN"] as const),
  admin: Object.freeze(["MODELREINS_ADMIN_TOKEN", "MODELREINS_API_KEY"] as const),
}) satisfies Readonly<Record<ClientKind, readonly string[]>>;

/** Where a client's settings came from, for messages that tell the user what to check. */
export interface Provenance {
  kind: ClientKind;
  /** Where the URL came from. */
  urlFrom: "option" | "env" | "default";
}

/** Where each kind of token comes from, as one sentence. */
export function whereTokensComeFrom(kind: ClientKind): string {
  return kind === "worker"
    ? `A worker token comes from registering the worker with an admin token (\`npx modelreins-worker register\` and its name): its one-time view_url shows the token once; \`${LOCAL_COORDINATOR_COMMAND}\` prints one for a local coordinator.`
    : `An admin token is a user API key from the ModelReins dashboard (https://app.modelreins.com); \`${LOCAL_COORDINATOR_COMMAND}\` prints one for a local coordinator.`;
}

/** No token at all: what to set, and where a token comes from. */
export function missingTokenMessage(kind: ClientKind): string {
  return `No ModelReins token: pass the token option or set ${TOKEN_ENV[kind].join(" or ")}. ${whereTokensComeFrom(kind)}`;
}

/** A 401: the token was refused outright. */
export function refusedTokenHint(kind: ClientKind): string {
  const where = TOKEN_ENV[kind].join(" or ");
  return `Check the token (the token option, else ${where}): it must be ${kind === "admin" ? "an admin" : "a worker"} token this coordinator issued, not revoked. ${whereTokensComeFrom(kind)}`;
}

/**
 * Whether a 403's body says the token is of the wrong kind (a worker token on
 * an admin call, or the reverse), rather than that this token may not do this
 * one thing (a paused worker).
 */
export function saysWrongTokenKind(text: string): boolean {
  return /\b(worker|admin)\s+token\b/i.test(text);
}

/** A 403 that says the token is of the wrong kind: which kind this client needs, and where the other belongs. */
export function wrongTokenKindHint(kind: ClientKind): string {
  return kind === "worker"
    ? `Put a worker token in MODELREINS_TOKEN; an admin token (a user API key) belongs in MODELREINS_ADMIN_TOKEN, for the admin API and CLI. ${whereTokensComeFrom("worker")}`
    : `Put an admin token in MODELREINS_ADMIN_TOKEN (or MODELREINS_API_KEY); a worker token belongs in a worker's MODELREINS_TOKEN. ${whereTokensComeFrom("admin")}`;
}

/** The setting the URL came from, as a message names it. */
function urlSetting(from: Provenance["urlFrom"], baseUrl: string): string {
  if (from === "env") return `MODELREINS_URL (${baseUrl})`;
  if (from === "option") return `the URL passed in (${baseUrl})`;
  return `the default URL ${baseUrl} (MODELREINS_URL is not set)`;
}

/** No answer at all: what `code` says about it, the URL and where it came from, and the local coordinator. */
export function unreachableHint(where: Provenance & { baseUrl: string }, code: string | undefined): string {
  const what =
    code === "ECONNREFUSED"
      ? "Nothing is listening there"
      : code === "ENOTFOUND" || code === "EAI_AGAIN"
        ? "Its host name does not resolve"
        : "The coordinator is down or out of reach";
  return `${what}: check ${urlSetting(where.urlFrom, where.baseUrl)} and that the coordinator runs there; for a local one, run \`${LOCAL_COORDINATOR_COMMAND}\` and use the URL it prints.`;
}

/** An answer that is not JSON: the URL is most likely not a coordinator. */
export function notACoordinatorHint(where: Provenance & { baseUrl: string }): string {
  return `This is not a ModelReins coordinator's answer: is ${urlSetting(where.urlFrom, where.baseUrl)} the coordinator, not a web page or a proxy? If it is, it may serve this call at another path: correct it with the routes option.`;
}

/** The longest excerpt of a body a message quotes. */
const EXCERPT_CHARS = 160;

/**
 * A body as one short line for a message: markup (tags, scripts, styles,
 * comments, entities) removed, whitespace collapsed, cut to a few words.
 */
export function oneLineExcerpt(text: string, max: number = EXCERPT_CHARS): string {
  // A page's <head> (its title, styles, scripts) mostly repeats or hides what its body says.
  const withoutHead = text.replace(/<head\b[\s\S]*?<\/head\s*>/i, " ");
  const body = toPlainText(withoutHead);
  const plain = body !== "" ? body : toPlainText(/<title\b[^>]*>([\s\S]*?)<\/title/i.exec(text)?.[1] ?? "");
  return plain.length > max ? `${plain.slice(0, max - 1).trimEnd()}…` : plain;
}

/** Text without markup: tags, scripts, styles, comments and entities removed, whitespace collapsed. */
function toPlainText(text: string): string {
  return text
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<[^>]*>?/g, " ")
    .replace(/&(nbsp|amp|lt|gt|quot|#39|#x27);/g, (_, name: string) => ENTITIES[name] ?? " ")
    .replace(/\s+/g, " ")
    .trim();
}

const ENTITIES: Record<string, string> = { nbsp: " ", amp: "&", lt: "‹", gt: "›", quot: '"', "#39": "'", "#x27": "'" };

/** Whether a text looks like markup: an HTML or XML page rather than a message. */
export function looksLikeMarkup(text: string): boolean {
  return /^\s*</.test(text);
}
