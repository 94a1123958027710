/**
 * `modelreins-worker workers [list|show|pause|resume]`: the tenant's workers.
 */
import { adminCommand, CONNECTION_HELP, CONNECTION_OPTIONS, connect, printAnswer } from "./admin.js";
import { expectPositionals, parseCommandLine, UsageError, unknownWord } from "./args.js";
import type { CommandIO } from "./command.js";
import { cell, workerDetails, workersTable } from "./output.js";

const HELP = `Usage: modelreins-worker workers [list]
       modelreins-worker workers show <id>
       modelreins-worker workers pause <id>
       modelreins-worker workers resume <id>

Subcommands:
  list (the default)    Every worker as a table: registered ones and those
                        seen through a heartbeat.
  show <id>             Every field of a worker, its capabilities included.
  pause <id>            Stops giving the worker jobs.
  resume <id>           Lets a paused worker take jobs again.
<id> is the worker's id; coordinators that allow it also take its name.

${CONNECTION_HELP}

Exit codes: 0 ok, 1 failed, 2 usage, 3 authentication, 4 no such worker.

Examples:
  modelreins-worker workers
  modelreins-worker workers pause 3`;

const SUBCOMMANDS = ["list", "show", "pause", "resume"] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

export const workersCommand = adminCommand("workers", "List workers; show, pause or resume one", run);

async function run(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandLine(args, CONNECTION_OPTIONS, HELP, io);
  if (parsed === undefined) return 0;
  const { values, positionals } = parsed;
  const [first, ...operands] = positionals;
  const sub = subcommand(first);

  if (sub === "list") {
    expectPositionals(operands, [], "modelreins-worker workers [list]");
    const session = connect(values);
    const workers = await session.client.workers.list();
    if (values.json) await printAnswer(io, session, workers);
    else io.out(workers.length === 0 ? "No workers." : workersTable(workers));
    return 0;
  }

  const [id = ""] = expectPositionals(operands, ["<id>"], `modelreins-worker workers ${sub} <id>`);
  if (id.trim() === "") throw new UsageError("<id> must not be empty.");
  const session = connect(values);
  const api = session.client.workers;
  if (sub === "show") {
    const worker = await api.get(id);
    if (values.json) await printAnswer(io, session, worker);
    else io.out(workerDetails(worker));
    return 0;
  }
  const worker = sub === "pause" ? await api.pause(id) : await api.resume(id);
  if (values.json) {
    await printAnswer(io, session, worker);
    return 0;
  }
  const who = worker.name === undefined ? `worker ${id}` : `worker ${cell(worker.name)} (id ${cell(worker.id ?? id)})`;
  io.out(
    sub === "pause"
      ? `Paused ${who}: it gets no new jobs until \`modelreins-worker workers resume ${id}\`.`
      : `Resumed ${who}: it takes jobs again.`,
  );
  return 0;
}

function subcommand(word: string | undefined): Subcommand {
  if (word === undefined) return "list";
  if ((SUBCOMMANDS as readonly string[]).includes(word)) return word as Subcommand;
  throw unknownWord("subcommand", word, SUBCOMMANDS);
}
