/**
 * What every admin command shares: the connection flags, the client built
 * from them and the environment, `--json` output of the server's answer,
 * and one mapping of errors to exit codes and one-line messages.
 */
import { ADMIN_TOKEN_ENV, ModelReins } from "../client/model-reins.js";
import { errorMessage, InvalidResponseError, NoEligibleWorkerError, WaitTimeoutError, WorkerError } from "../errors.js";
import { whereTokensComeFrom } from "../http/hints.js";
import { tokenFromEnv } from "../options.js";
import { UsageError } from "./args.js";
import {
  type Command,
  type CommandIO,
  EXIT_AUTH,
  EXIT_FAILED,
  EXIT_NO_WORKER,
  EXIT_NOT_FOUND,
  EXIT_TIMEOUT,
  EXIT_USAGE,
} from "./command.js";
import { printJson } from "./output.js";

/** The flags every admin command takes, for `parseArgs`. */
export const CONNECTION_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The help text of {@link CONNECTION_OPTIONS}. */
export const CONNECTION_HELP = `Connection and output (every admin command):
  --url <url>           The coordinator. Default: $MODELREINS_URL, else
                        https://app.modelreins.com.
  --token <token>       The admin token (a user API key, not a worker token).
                        Default: $MODELREINS_ADMIN_TOKEN, else $MODELREINS_API_KEY.
                        Prefer the environment: other users can see flags in
                        the process list. The token is never printed.
  --json                Print the server's JSON answer on stdout (one document,
                        nothing else) instead of text.
  -h, --help            Show this help.`;

/** No admin token anywhere: exit code 3. */
export class MissingTokenError extends Error {
  override name = "MissingTokenError";
}

/** A client, and the last answer it received for `--json`. */
export interface Session {
  readonly client: ModelReins;
  /**
   * The body of the last 2xx answer, parsed, the token redacted should the
   * server echo it; `undefined` when it was empty or not JSON.
   */
  lastBody(): Promise<unknown>;
}

/** The connection flags as `parseArgs` gives them. */
export interface ConnectionValues {
  url?: string | undefined;
  token?: string | undefined;
}

/**
 * Builds the admin client from `--url`/`--token`, else the environment
 * (MODELREINS_URL; MODELREINS_ADMIN_TOKEN, else MODELREINS_API_KEY), as the SDK does.
 */
export function connect(values: ConnectionValues, env: NodeJS.ProcessEnv = process.env): Session {
  if (values.token === "") throw new UsageError("--token must not be empty.");
  if (values.url === "") throw new UsageError("--url must not be empty.");
  const token = values.token ?? tokenFromEnv("admin", env);
  if (token === undefined) {
    const hint = env.MODELREINS_TOKEN
      ? " (MODELREINS_TOKEN is set, but it is a worker token: admin commands need a user API key)"
      : "";
    throw new MissingTokenError(
      `no admin token: set ${ADMIN_TOKEN_ENV.join(" or ")}, or pass --token${hint}. ${whereTokensComeFrom("admin")}`,
    );
  }

  let last: Promise<string> | undefined;
  const recordingFetch: typeof globalThis.fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    if (response.ok) {
      const copy = response.clone();
      last = copy.text().catch(() => "");
    }
    return response;
  };

  let client: ModelReins;
  try {
    client = new ModelReins({
      url: values.url,
      token,
      fetch: recordingFetch,
      // Retry notes are debug lines; warnings (plain http to another host) still reach stderr.
      logLevel: env.MODELREINS_LOG_LEVEL ? undefined : "warn",
    });
  } catch (error) {
    // A bad URL or token shape: the SDK's message names the flag's variable, never the token.
    throw new UsageError(errorMessage(error));
  }

  return {
    client,
    async lastBody() {
      const text = (await last) ?? "";
      if (text.trim() === "") return undefined;
      const redacted = token.length >= 4 ? text.split(token).join("[redacted]") : text;
      try {
        return JSON.parse(redacted) as unknown;
      } catch {
        return undefined;
      }
    },
  };
}

/** With `--json`, prints the server's last answer (or `fallback` when it had no JSON body). */
export async function printAnswer(io: CommandIO, session: Session, fallback: unknown): Promise<void> {
  printJson(io, (await session.lastBody()) ?? fallback);
}

/** The exit code of a failure; see `EXIT_CODES_HELP`. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  if (error instanceof MissingTokenError) return EXIT_AUTH;
  if (error instanceof NoEligibleWorkerError) return EXIT_NO_WORKER;
  if (error instanceof WaitTimeoutError) return EXIT_TIMEOUT;
  // A web page's 404 is no coordinator's "no such job": the URL is wrong, not the id.
  if (error instanceof InvalidResponseError) return EXIT_FAILED;
  if (error instanceof WorkerError) {
    if (error.status === 401 || error.status === 403) return EXIT_AUTH;
    if (error.status === 404) return EXIT_NOT_FOUND;
  }
  return EXIT_FAILED;
}

/** Prints a failure as one line on stderr (plus a pointer to `--help` for usage errors); returns its exit code. */
export function reportError(command: string, error: unknown, io: CommandIO): number {
  const message = errorMessage(error).replace(/\s+/g, " ").trim();
  io.err(`modelreins-worker ${command}: ${message}`);
  const code = exitCodeFor(error);
  if (code === EXIT_USAGE) io.err(`Run \`modelreins-worker ${command} --help\` for the options.`);
  return code;
}

/** A command whose failures are reported by {@link reportError}. */
export function adminCommand(
  name: string,
  summary: string,
  run: (args: string[], io: CommandIO) => Promise<number>,
): Command {
  return {
    name,
    summary,
    async run(args, io) {
      try {
        return await run(args, io);
      } catch (error) {
        return reportError(name, error, io);
      }
    },
  };
}
