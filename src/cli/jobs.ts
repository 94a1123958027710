/**
 * `modelreins-worker jobs [list|show|cancel|retry]`: the tenant's jobs.
 */
import { isObject } from "../validate.js";
import { adminCommand, CONNECTION_HELP, CONNECTION_OPTIONS, connect, printAnswer } from "./admin.js";
import { expectPositionals, parseCommandLine, parseInteger, refuseOptions, UsageError, unknownWord } from "./args.js";
import type { CommandIO } from "./command.js";
import { cell, jobDetails, jobsTable, plural } from "./output.js";

const HELP = `Usage: modelreins-worker jobs [list] [options]
       modelreins-worker jobs show <id>
       modelreins-worker jobs cancel <id> [--reason <text>]
       modelreins-worker jobs retry <id>

Subcommands:
  list (the default)    One page of jobs as a table, oldest first.
    --status <status>   Only jobs in this state: pending, running, done,
                        failed or cancelled.
    --provider <name>   Only jobs for this provider.
    --limit <n>         Jobs per page (1 or more). Default: the server's (50).
    --offset <n>        Jobs to skip, for the next pages. Default: 0.
  show <id>             Every field of a job, its result included.
  cancel <id>           Cancels a pending or running job (exit 1 when it has
                        ended already).
    --reason <text>     Why, kept with the job.
  retry <id>            Puts a failed or cancelled job back to pending (exit 1
                        in any other state).

${CONNECTION_HELP}

Exit codes: 0 ok, 1 failed (e.g. the job is in another state), 2 usage,
3 authentication, 4 no such job.

Examples:
  modelreins-worker jobs --status failed --limit 20
  modelreins-worker jobs show 42 --json | jq -r .result`;

const SUBCOMMAND_OPTIONS = {
  list: ["status", "provider", "limit", "offset"],
  show: [],
  cancel: ["reason"],
  retry: [],
} as const satisfies Record<string, readonly string[]>;
type Subcommand = keyof typeof SUBCOMMAND_OPTIONS;

export const jobsCommand = adminCommand("jobs", "List jobs; show, cancel or retry one", run);

async function run(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandLine(
    args,
    {
      ...CONNECTION_OPTIONS,
      status: { type: "string" },
      provider: { type: "string" },
      limit: { type: "string" },
      offset: { type: "string" },
      reason: { type: "string" },
    },
    HELP,
    io,
  );
  if (parsed === undefined) return 0;
  const { values, positionals } = parsed;
  const [first, ...rest] = positionals;
  const sub = subcommand(first);
  refuseOptions(values, [...Object.keys(CONNECTION_OPTIONS), ...SUBCOMMAND_OPTIONS[sub]], `jobs ${sub}`);
  const operands = first === undefined ? [] : rest;

  if (sub === "list") {
    expectPositionals(operands, [], "modelreins-worker jobs [list] [options]");
    const limit = values.limit === undefined ? undefined : parseInteger(values.limit, "--limit", 1);
    const offset = values.offset === undefined ? undefined : parseInteger(values.offset, "--offset", 0);
    for (const flag of ["status", "provider"] as const) {
      if (values[flag] !== undefined && values[flag].trim() === "")
        throw new UsageError(`--${flag} must not be empty.`);
    }
    const session = connect(values);
    const jobs = await session.client.jobs.list({
      ...(values.status === undefined ? {} : { status: values.status }),
      ...(values.provider === undefined ? {} : { provider: values.provider }),
      ...(limit === undefined ? {} : { limit }),
      ...(offset === undefined ? {} : { offset }),
    });
    if (values.json) {
      await printAnswer(io, session, jobs);
      return 0;
    }
    const body = await session.lastBody();
    const total = isObject(body) && typeof body.total === "number" ? body.total : undefined;
    if (jobs.length === 0) {
      io.out(total !== undefined && total > 0 ? `No jobs on this page (${plural(total, "job")} in all).` : "No jobs.");
      return 0;
    }
    io.out(jobsTable(jobs));
    const from = offset ?? 0;
    if (total === undefined) io.out(`\n${plural(jobs.length, "job")}.`);
    else {
      const next = from + jobs.length < total ? ` Next page: --offset ${from + jobs.length}.` : "";
      io.out(`\nJobs ${from + 1}-${from + jobs.length} of ${total}.${next}`);
    }
    return 0;
  }

  const [id = ""] = expectPositionals(operands, ["<id>"], `modelreins-worker jobs ${sub} <id>`);
  if (id.trim() === "") throw new UsageError("<id> must not be empty.");
  if (values.reason !== undefined && values.reason.trim() === "") throw new UsageError("--reason must not be empty.");
  const session = connect(values);
  const jobs = session.client.jobs;
  const job =
    sub === "show"
      ? await jobs.get(id)
      : sub === "cancel"
        ? await jobs.cancel(id, values.reason === undefined ? {} : { reason: values.reason })
        : await jobs.retry(id);
  if (values.json) await printAnswer(io, session, job);
  else if (sub === "show") io.out(jobDetails(job));
  else if (sub === "cancel") io.out(`Cancelled job ${cell(job.id)}; it is now ${cell(job.status)}.`);
  else io.out(`Job ${cell(job.id)} is ${cell(job.status)} again${assignedTo(job.assigned_to)}.`);
  return 0;
}

function assignedTo(worker: unknown): string {
  return typeof worker === "string" ? `, assigned to ${worker}` : "";
}

function subcommand(word: string | undefined): Subcommand {
  if (word === undefined) return "list";
  if (Object.hasOwn(SUBCOMMAND_OPTIONS, word)) return word as Subcommand;
  const error = unknownWord("subcommand", word, Object.keys(SUBCOMMAND_OPTIONS));
  if (/^[0-9]+$/.test(word)) error.message += ` To see job ${word}: modelreins-worker jobs show ${word}`;
  throw error;
}
