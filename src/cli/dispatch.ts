/**
 * `modelreins-worker dispatch <prompt>`: creates a job that the coordinator
 * assigns to an eligible worker; with `--wait`, follows it to its end.
 */
import { readFile } from "node:fs/promises";
import type { JobInput } from "../client/types.js";
import type { Job } from "../types.js";
import { JOB_PRIORITIES as PRIORITIES } from "../types.js";
import { adminCommand, CONNECTION_HELP, CONNECTION_OPTIONS, connect, printAnswer, reportError } from "./admin.js";
import { expectPositionals, parseChoice, parseCommandLine, parseDuration, UsageError } from "./args.js";
import { type CommandIO, EXIT_FAILED } from "./command.js";
import { fullText, jobSummary, printJson } from "./output.js";

const DEFAULT_INTERVAL = "2s";

const HELP = `Usage: modelreins-worker dispatch <prompt> [options]

Creates a job and has the coordinator assign it to an eligible worker (or to
--assign), then prints the job: its id, status and worker. With --wait, follows
the job to its end and prints its result.

Arguments:
  <prompt>              What the job asks for. Quote it; put -- before a
                        prompt that starts with "-": dispatch -- "-x please".

Options:
  --input <value>       The job's input. "-" reads it from stdin.
  --input-file <path>   The job's input, read from a file ("-" for stdin).
                        For both: text that parses as JSON gives that JSON
                        value, any other text is sent as a string, unchanged.
  --provider <name>     The provider the job should use.
  --model <name>        The model the job should use.
  --priority <p>        low, normal or high. Default: the server's (normal).
  --tier <tier>         The job's risk tier (auto, audit, approve, session).
  --tag <tag>           A tag; repeat for several.
  --assign <worker>     The worker (its name) that must take the job, instead
                        of letting the coordinator choose.
  --wait                Wait for the job to end, then print it with its result.
                        Exits 1 when it ended failed or cancelled.
  --timeout <d>         With --wait: give up after this long (exit 6; the job
                        goes on). 30s, 10m, 1h; a bare number is seconds.
                        Default: no limit.
  --interval <d>        With --wait: time between two looks at the job.
                        Default: ${DEFAULT_INTERVAL}.

${CONNECTION_HELP}

Exit codes: 0 dispatched (with --wait: the job is done), 1 failed (with --wait:
the job failed or was cancelled), 2 usage, 3 authentication, 5 no eligible
worker, 6 --wait timed out.

Examples:
  modelreins-worker dispatch "Summarise the report" --tag reports --wait --timeout 10m
  cat data.json | modelreins-worker dispatch "Clean this" --input - --json`;

export const dispatchCommand = adminCommand("dispatch", "Dispatch a job to a worker; --wait for its result", run);

async function run(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandLine(
    args,
    {
      ...CONNECTION_OPTIONS,
      input: { type: "string" },
      "input-file": { type: "string" },
      provider: { type: "string" },
      model: { type: "string" },
      priority: { type: "string" },
      tier: { type: "string" },
      tag: { type: "string", multiple: true },
      assign: { type: "string" },
      wait: { type: "boolean" },
      timeout: { type: "string" },
      interval: { type: "string" },
    },
    HELP,
    io,
  );
  if (parsed === undefined) return 0;
  const { values, positionals } = parsed;
  const [prompt = ""] = expectPositionals(positionals, ["<prompt>"], "modelreins-worker dispatch <prompt> [options]");
  if (prompt.trim() === "") throw new UsageError("<prompt> must not be empty.");
  if (values.input !== undefined && values["input-file"] !== undefined) {
    throw new UsageError("give --input or --input-file, not both.");
  }
  if (!values.wait && (values.timeout !== undefined || values.interval !== undefined)) {
    throw new UsageError("--timeout and --interval apply only with --wait.");
  }
  const timeoutMs = values.timeout === undefined ? undefined : parseDuration(values.timeout, "--timeout");
  const intervalMs = parseDuration(values.interval ?? DEFAULT_INTERVAL, "--interval");
  const tags = values.tag ?? [];
  if (tags.some((tag) => tag.trim() === "")) throw new UsageError("--tag must not be empty.");
  if (values.assign !== undefined && values.assign.trim() === "") throw new UsageError("--assign must name a worker.");

  const job: JobInput = { prompt };
  const input = await readInput(values.input, values["input-file"]);
  if (input !== undefined) job.input = input.value;
  if (values.provider !== undefined) job.provider = values.provider;
  if (values.model !== undefined) job.model = values.model;
  if (values.priority !== undefined) job.priority = parseChoice(values.priority, "--priority", PRIORITIES);
  if (values.tier !== undefined) job.tier = values.tier;
  if (tags.length > 0) job.tags = tags;
  if (values.assign !== undefined) job.assigned_to = values.assign;

  const session = connect(values);
  const dispatched = await session.client.dispatch(job);
  if (!values.wait) {
    if (values.json) await printAnswer(io, session, dispatched);
    else io.out(`Dispatched ${jobSummary(dispatched)}.`);
    return 0;
  }

  if (!values.json) {
    io.out(`Dispatched ${jobSummary(dispatched)}.`);
    io.err(`Waiting for job ${String(dispatched.id)} to end (Ctrl+C stops waiting; the job goes on)...`);
  }
  let final: Job;
  try {
    final = await session.client.jobs.wait(dispatched.id, {
      pollIntervalMs: intervalMs,
      ...(timeoutMs === undefined ? {} : { maxWaitMs: timeoutMs }),
    });
  } catch (error) {
    // The job exists: a script still gets its last known state, with its id.
    if (values.json) printJson(io, (await session.lastBody()) ?? dispatched);
    return reportError("dispatch", error, io);
  }
  if (values.json) await printAnswer(io, session, final);
  else io.out(describeEnd(final));
  return isSuccess(final.status) ? 0 : EXIT_FAILED;
}

function isSuccess(status: string): boolean {
  return status === "done" || status === "completed";
}

/** `Job 7 done.` and the result, or why it failed or was cancelled. */
function describeEnd(job: Job): string {
  const reason = job.status === "cancelled" && typeof job.cancel_reason === "string" ? `: ${job.cancel_reason}` : "";
  const by = typeof job.claimed_by === "string" ? ` (worker ${job.claimed_by})` : "";
  const lines = [`Job ${String(job.id)} ${String(job.status)}${by}${reason}.`];
  if (job.result !== undefined && job.result !== null) lines.push("Result:", fullText(job.result));
  return lines.join("\n");
}

/** The job's input from `--input` or `--input-file`: JSON when it parses, else the text. */
async function readInput(
  inline: string | undefined,
  file: string | undefined,
): Promise<{ value: unknown } | undefined> {
  let text: string;
  if (inline !== undefined) text = inline === "-" ? await readStdin() : inline;
  else if (file !== undefined) {
    try {
      text = file === "-" ? await readStdin() : await readFile(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`--input-file: cannot read ${JSON.stringify(file)} (${code ?? (error as Error).message}).`);
    }
  } else return undefined;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { value: text };
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}
