/**
 * `modelreins-worker register <name>`: registers a worker with its
 * capabilities and prints the one-time URL that reveals its token.
 */
import type { Capability } from "../client/types.js";
import { RISK_TIERS } from "../types.js";
import { adminCommand, CONNECTION_HELP, CONNECTION_OPTIONS, connect, printAnswer } from "./admin.js";
import { expectPositionals, parseChoice, parseCommandLine, UsageError } from "./args.js";
import type { CommandIO } from "./command.js";
import { cell } from "./output.js";

const HELP = `Usage: modelreins-worker register <name> [options]

Registers a worker with the coordinator and prints its id and a one-time URL
that reveals the new worker's token. The token is shown there ONCE: open the
URL yourself, or hand it to whoever runs the worker, before anyone else can.
Run the worker with that token in MODELREINS_TOKEN.

Arguments:
  <name>                The worker's name: its instance name in presence and
                        in a job's assigned_to.

Options:
  --description <text>  What the worker does.
  --capability <spec>   A capability the worker offers; repeat for several.
                        <spec> is name:tier, or name:tier:secrets where secrets
                        is a comma-separated list of vault:// references the
                        coordinator resolves at dispatch time. The tier is the
                        oversight it needs:
                          auto     runs without approval
                          audit    runs, every action logged
                          approve  waits for a human's approval
                          session  approved once per session

${CONNECTION_HELP}

Example:
  modelreins-worker register image-bot --description "Renders images" \\
    --capability render:auto --capability publish:approve:vault://cdn/key`;

export const registerCommand = adminCommand("register", "Register a worker; prints its one-time token URL", run);

async function run(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandLine(
    args,
    {
      ...CONNECTION_OPTIONS,
      description: { type: "string" },
      capability: { type: "string", multiple: true },
    },
    HELP,
    io,
  );
  if (parsed === undefined) return 0;
  const { values, positionals } = parsed;
  const [name = ""] = expectPositionals(positionals, ["<name>"], "modelreins-worker register <name> [options]");
  if (name.trim() === "") throw new UsageError("<name> must not be empty.");
  const capabilities = (values.capability ?? []).map(parseCapability);

  const session = connect(values);
  const answer = await session.client.workers.register({
    name,
    ...(values.description === undefined ? {} : { description: values.description }),
    capabilities,
  });
  if (values.json) {
    await printAnswer(io, session, answer);
    return 0;
  }
  const id = answer.id === undefined ? "" : ` (id ${cell(answer.id)})`;
  io.out(
    [
      `Registered worker ${JSON.stringify(answer.name ?? name)}${id}.`,
      "",
      "Its token, on a one-time URL:",
      `  ${answer.view_url}`,
      "",
      "This URL reveals the worker's token once: the first visit shows it, later visits",
      "get nothing, and the token is never shown again. Open it yourself, or hand it",
      "only to whoever runs the worker, and run the worker with MODELREINS_TOKEN set to it.",
    ].join("\n"),
  );
  return 0;
}

/** `name:tier` or `name:tier:vault://a,vault://b`. */
export function parseCapability(spec: string): Capability {
  const syntax = "name:tier or name:tier:vault://ref[,vault://ref...]";
  const first = spec.indexOf(":");
  if (first <= 0) {
    throw new UsageError(`--capability ${JSON.stringify(spec)}: expected ${syntax}.`);
  }
  const name = spec.slice(0, first);
  const rest = spec.slice(first + 1);
  const second = rest.indexOf(":");
  const tier = parseChoice(
    second === -1 ? rest : rest.slice(0, second),
    `--capability ${JSON.stringify(name)}: the tier`,
    RISK_TIERS,
  );
  if (second === -1) return { name, risk_tier: tier };
  const secrets = rest.slice(second + 1).split(",");
  const bad = secrets.find((ref) => !/^vault:\/\/\S+$/.test(ref));
  if (bad !== undefined) {
    throw new UsageError(
      `--capability ${JSON.stringify(name)}: secrets are comma-separated vault:// references; got ${JSON.stringify(bad)}.`,
    );
  }
  return { name, risk_tier: tier, requires_secrets: secrets };
}
