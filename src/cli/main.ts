#!/usr/bin/env node
/**
 * The `modelreins-worker` command: a small subcommand dispatcher. To add a
 * command, write it in its own file (see `command.ts`) and list it below.
 */
import { parseArgs } from "node:util";
import { errorMessage } from "../errors.js";
import { didYouMean } from "../suggest.js";
import { type Command, type CommandIO, EXIT_CODES_HELP, EXIT_USAGE } from "./command.js";
import { devCommand } from "./dev.js";
import { dispatchCommand } from "./dispatch.js";
import { jobsCommand } from "./jobs.js";
import { killswitchCommand } from "./killswitch.js";
import { registerCommand } from "./register.js";
import { workersCommand } from "./workers.js";

const COMMANDS: readonly Command[] = [
  devCommand,
  registerCommand,
  dispatchCommand,
  jobsCommand,
  workersCommand,
  killswitchCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: modelreins-worker <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `modelreins-worker <command> --help` for a command's options.",
    "",
    "Environment (admin commands: every command but dev):",
    "  MODELREINS_URL          The coordinator (or --url). Default: https://app.modelreins.com.",
    "  MODELREINS_ADMIN_TOKEN  The admin token, a user API key (or --token);",
    "                          MODELREINS_API_KEY when it is unset.",
    "",
    "Output: text for people; --json prints the server's JSON answer, one document on stdout.",
    "Errors: one line on stderr.",
    "",
    EXIT_CODES_HELP,
  ].join("\n");
}

async function main(argv: string[], io: CommandIO): Promise<number> {
  // Only what precedes the command is parsed here; the command parses the rest.
  const { tokens } = parseArgs({
    args: argv,
    options: { help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const first = tokens[0];
  if (first?.kind === "option" && first.name === "help") {
    io.out(usage());
    return 0;
  }
  if (first?.kind === "option") {
    io.err(`Options go after the command: modelreins-worker <command> ${first.rawName} ...\n`);
    io.err(usage());
    return EXIT_USAGE;
  }
  if (first?.kind !== "positional") {
    io.err(usage());
    return EXIT_USAGE;
  }
  const command = COMMANDS.find((c) => c.name === first.value);
  if (command === undefined) {
    const suggestion = didYouMean(
      first.value,
      COMMANDS.map((c) => c.name),
    );
    io.err(`Unknown command: ${first.value}${suggestion || "."}\n`);
    io.err(usage());
    return EXIT_USAGE;
  }
  return command.run(argv.slice(first.index + 1), io);
}

const io: CommandIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    io.err(`modelreins-worker: ${errorMessage(error)}`);
    process.exitCode = 1;
  },
);
