/**
 * `modelreins-worker dev`: runs the local coordinator over HTTP on loopback,
 * prints the environment variables to use, logs what happens, and stops
 * cleanly on Ctrl+C (SIGINT) or SIGTERM.
 */
import { createCoordinator, type Listener } from "../testing/index.js";
import { parseCommandLine, parseDuration } from "./args.js";
import { type Command, type CommandIO, EXIT_USAGE } from "./command.js";
import { createEventFormatter } from "./dev-log.js";

/** The default port of `modelreins-worker dev`. */
export const DEFAULT_DEV_PORT = 8787;

const HELP = `Usage: modelreins-worker dev [options]

Runs a local ModelReins coordinator in memory, for development: workers and
admin calls talk to it as to app.modelreins.com, and its web console (the URL
it prints) shows jobs, workers and the review queue. Nothing is saved;
everything is lost when it stops (Ctrl+C).

Options:
  --port <n>            Port to listen on; 0 picks a free one. Default: ${DEFAULT_DEV_PORT}.
  --host <address>      Loopback address to listen on (127.0.0.1, ::1 or
                        localhost). Default: 127.0.0.1.
  --admin-token <t>     Token for admin calls. Default: mr_admin_local.
  --worker-token <t>    Token for workers. Default: mr_worker_local.
  --requeue-after <d>   Put a running job back to pending when its worker has
                        not heartbeated for this long: 500ms, 30s, 2m; a bare
                        number is seconds. Default: 60s.
  --quiet               Print the URL and tokens only, no event log.
  -h, --help            Show this help.

Example:
  npx modelreins-worker dev --port 9000
  MODELREINS_URL=http://127.0.0.1:9000 MODELREINS_TOKEN=mr_worker_local node worker.js`;

interface DevValues {
  port?: string | undefined;
  host?: string | undefined;
  "admin-token"?: string | undefined;
  "worker-token"?: string | undefined;
  "requeue-after"?: string | undefined;
  quiet?: boolean | undefined;
  help?: boolean | undefined;
}

export const devCommand: Command = {
  name: "dev",
  summary: `Run a local coordinator on 127.0.0.1:${DEFAULT_DEV_PORT} for development`,
  run: runDev,
};

async function runDev(args: string[], io: CommandIO): Promise<number> {
  let values: DevValues;
  try {
    const parsed = parseCommandLine(
      args,
      {
        port: { type: "string" },
        host: { type: "string" },
        "admin-token": { type: "string" },
        "worker-token": { type: "string" },
        "requeue-after": { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      HELP,
      io,
      { positionals: false },
    );
    if (parsed === undefined) return 0;
    values = parsed.values;
  } catch (error) {
    io.err(`modelreins-worker dev: ${(error as Error).message}`);
    io.err("Run `modelreins-worker dev --help` for the options.");
    return EXIT_USAGE;
  }

  let port: number;
  let requeueAfterMs: number;
  let coordinator: ReturnType<typeof createCoordinator>;
  try {
    port = parsePort(values.port ?? String(DEFAULT_DEV_PORT));
    requeueAfterMs = parseDuration(values["requeue-after"] ?? "60s", "--requeue-after");
    coordinator = createCoordinator({
      requeueAfterMs,
      ...(values["admin-token"] === undefined ? {} : { adminToken: values["admin-token"] }),
      ...(values["worker-token"] === undefined ? {} : { workerToken: values["worker-token"] }),
    });
  } catch (error) {
    io.err(`modelreins-worker dev: ${(error as Error).message}`);
    return EXIT_USAGE;
  }

  if (!values.quiet) {
    const format = createEventFormatter();
    coordinator.on((event) => {
      const line = format(event);
      if (line !== undefined) io.out(line);
    });
  }

  let listener: Listener;
  try {
    listener = await coordinator.listen({ port, host: values.host ?? "127.0.0.1" });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.err(
      code === "EADDRINUSE"
        ? `modelreins-worker dev: port ${port} is already in use; choose another with --port (0 picks a free one).`
        : `modelreins-worker dev: ${(error as Error).message}`,
    );
    return error instanceof TypeError ? EXIT_USAGE : 1;
  }

  // One write, so a reader of the first line has the whole banner.
  io.out(
    [
      `ModelReins local coordinator listening on ${listener.url}`,
      "",
      `  Console: ${listener.url}/   (jobs, workers, review queue, killswitch)`,
      `  Workers: MODELREINS_URL=${listener.url} MODELREINS_TOKEN=${coordinator.workerToken}`,
      `  Admin:   MODELREINS_URL=${listener.url} MODELREINS_ADMIN_TOKEN=${coordinator.adminToken}`,
      "",
      `In memory only; a job requeues after ${requeueAfterMs} ms without a heartbeat. Ctrl+C to stop.`,
    ].join("\n"),
  );

  const signal = await nextSignal();
  io.out(`Received ${signal}; stopping.`);
  await coordinator.close();
  return 0;
}

function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

function parsePort(raw: string): number {
  if (!/^[0-9]+$/.test(raw) || Number(raw) > 65_535) {
    throw new TypeError(`--port must be an integer from 0 to 65535; got ${JSON.stringify(raw)}.`);
  }
  return Number(raw);
}
