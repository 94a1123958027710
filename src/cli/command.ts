/**
 * The shape of a CLI subcommand. Each command lives in its own file and is
 * listed once in `main.ts`.
 */

/** Where a command writes. */
export interface CommandIO {
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
}

export interface Command {
  /** The word after `modelreins-worker`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Runs with the arguments after its name; resolves with the exit code. */
  run(args: string[], io: CommandIO): Promise<number>;
}

/** Exit code: the operation failed (server or connection error, a job that ended failed or cancelled under `--wait`). */
export const EXIT_FAILED = 1;
/** Exit code for a usage error (unknown command or option, bad argument). */
export const EXIT_USAGE = 2;
/** Exit code: no admin token, or the coordinator refused it (401/403). */
export const EXIT_AUTH = 3;
/** Exit code: no such job or worker (404). */
export const EXIT_NOT_FOUND = 4;
/** Exit code: `dispatch` found no eligible worker (503, `NoEligibleWorkerError`). */
export const EXIT_NO_WORKER = 5;
/** Exit code: `--wait` gave up after `--timeout`; the job goes on. */
export const EXIT_TIMEOUT = 6;

/** The exit codes, for the top-level help. */
export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  the operation failed: a server or connection error, an answer that is
     not a coordinator's (a web page), a refused change (e.g. cancelling a
     finished job), or with --wait a job that ended failed or cancelled
  2  usage error: unknown command or option, bad or missing argument
  3  authentication: no admin token, or the coordinator refused it (401/403)
  4  not found: no such job or worker (404)
  5  no eligible worker for dispatch (503)
  6  --wait timed out (the job goes on)`;
