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

/** Exit code for a usage error (unknown command or option). */
export const EXIT_USAGE = 2;
