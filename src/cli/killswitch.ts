/**
 * `modelreins-worker killswitch activate|clear`: stop everything in the
 * tenant at once, and lift it.
 */
import type { ModelReins } from "../client/model-reins.js";
import type { KillswitchLevel, WorkerInfo } from "../client/types.js";
import { adminCommand, CONNECTION_HELP, CONNECTION_OPTIONS, connect, printAnswer } from "./admin.js";
import { expectPositionals, parseCommandLine, parseInteger, refuseOptions, UsageError, unknownWord } from "./args.js";
import type { CommandIO } from "./command.js";
import { cell, plural } from "./output.js";

const HELP = `Usage: modelreins-worker killswitch activate --level <0-4> --reason <text>
       modelreins-worker killswitch clear [--resume-all]

Subcommands:
  activate              Halts the tenant's running jobs, pauses every worker
                        and refuses dispatch until cleared.
    --level <n>         How hard to stop, 0 to 4. Required.
    --reason <text>     Why: shown to whoever finds everything stopped. Required.
  clear                 Lifts the killswitch. Workers stay paused unless
                        --resume-all is given.
    --resume-all        Also resume every paused worker.

${CONNECTION_HELP}

Exit codes: 0 ok, 1 failed, 2 usage, 3 authentication.

Example:
  modelreins-worker killswitch activate --level 2 --reason "runaway costs"`;

const SUBCOMMAND_OPTIONS = {
  activate: ["level", "reason"],
  clear: ["resume-all"],
} as const;
type Subcommand = keyof typeof SUBCOMMAND_OPTIONS;

export const killswitchCommand = adminCommand("killswitch", "Stop every job and worker at once, or clear it", run);

async function run(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandLine(
    args,
    {
      ...CONNECTION_OPTIONS,
      level: { type: "string" },
      reason: { type: "string" },
      "resume-all": { type: "boolean" },
    },
    HELP,
    io,
  );
  if (parsed === undefined) return 0;
  const { values, positionals } = parsed;
  const [first, ...operands] = positionals;
  if (first === undefined) throw new UsageError("missing subcommand: activate or clear.");
  if (!Object.hasOwn(SUBCOMMAND_OPTIONS, first)) {
    throw unknownWord("subcommand", first, Object.keys(SUBCOMMAND_OPTIONS));
  }
  const sub = first as Subcommand;
  refuseOptions(values, [...Object.keys(CONNECTION_OPTIONS), ...SUBCOMMAND_OPTIONS[sub]], `killswitch ${sub}`);
  expectPositionals(operands, [], `modelreins-worker killswitch ${sub} [options]`);

  if (sub === "activate") {
    if (values.level === undefined) throw new UsageError("--level (0 to 4) is required.");
    if (values.reason === undefined || values.reason.trim() === "") throw new UsageError("--reason is required.");
    const level = parseInteger(values.level, "--level", 0, 4) as KillswitchLevel;
    const session = connect(values);
    const answer = await session.client.killswitch.activate({ level, reason: values.reason });
    if (values.json) {
      await printAnswer(io, session, answer);
      return 0;
    }
    const cancelled = Array.isArray(answer.cancelled_jobs) ? answer.cancelled_jobs : undefined;
    const effects: string[] = [];
    if (cancelled !== undefined) {
      const ids = cancelled.length > 0 ? ` (${cancelled.map((id) => cell(id)).join(", ")})` : "";
      effects.push(`cancelled ${plural(cancelled.length, "running job")}${ids}`);
    }
    if (typeof answer.paused_workers === "number") effects.push(`paused ${plural(answer.paused_workers, "worker")}`);
    io.out(
      [
        `Killswitch ACTIVE at level ${level}: ${values.reason}`,
        ...(effects.length > 0 ? [`It ${effects.join(" and ")}.`] : []),
        "Dispatch is refused until `modelreins-worker killswitch clear`.",
      ].join("\n"),
    );
    return 0;
  }

  const session = connect(values);
  const answer = await session.client.killswitch.clear(values["resume-all"] ? { resume_all: true } : {});
  if (values.json) {
    await printAnswer(io, session, answer);
    return 0;
  }
  const resumed = typeof answer.resumed_workers === "number" ? answer.resumed_workers : undefined;
  io.out(
    values["resume-all"]
      ? `Killswitch cleared; resumed ${resumed === undefined ? "the paused workers" : plural(resumed, "worker")}.`
      : await stillPaused(session.client),
  );
  return 0;
}

/** How many resume commands to print one by one before pointing at `workers`. */
const RESUME_LINES = 5;

/** A clear without --resume-all leaves workers paused: say which, and the commands that resume them. */
async function stillPaused(client: ModelReins): Promise<string> {
  let paused: WorkerInfo[] | undefined;
  try {
    paused = (await client.workers.list()).filter((worker) => worker.paused === true);
  } catch {
    // The clear went through; without the list, the commands are still worth printing.
  }
  const all = "  modelreins-worker killswitch clear --resume-all";
  if (paused === undefined) {
    return [
      "Killswitch cleared. Paused workers stay paused: they claim no jobs until resumed.",
      "Resume them all:",
      all,
      "Or one:",
      "  modelreins-worker workers resume <id>",
    ].join("\n");
  }
  if (paused.length === 0) return "Killswitch cleared. No worker is paused.";
  const shown = paused.slice(0, RESUME_LINES);
  const width = Math.max(...shown.map((worker) => cell(worker.id).length));
  const each = shown.map(
    (worker) => `  modelreins-worker workers resume ${cell(worker.id).padEnd(width)}   # ${cell(worker.name)}`,
  );
  if (paused.length > shown.length) {
    each.push(`  (and ${paused.length - shown.length} more: \`modelreins-worker workers\` lists them)`);
  }
  const lines =
    paused.length === 1
      ? ["Killswitch cleared. 1 worker stays paused: it claims no jobs until resumed.", "Resume it:", ...each]
      : [
          `Killswitch cleared. ${paused.length} workers stay paused: they claim no jobs until resumed.`,
          "Resume them all:",
          all,
          "Or one by one:",
          ...each,
        ];
  return lines.join("\n");
}
