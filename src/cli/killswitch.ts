/**
 * `modelreins-worker killswitch activate|clear`: stop everything in the
 * tenant at once, and lift it.
 */
import type { KillswitchLevel } from "../client/types.js";
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
      : "Killswitch cleared. Paused workers stay paused: resume them with `modelreins-worker workers resume <id>`, or clear with --resume-all.",
  );
  return 0;
}
