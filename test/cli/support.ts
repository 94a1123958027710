/**
 * Runs the real CLI (`node --import tsx src/cli/main.ts ...`) as a child process against a
 * local coordinator served over HTTP on loopback, as dev-cli.test.ts does.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { type Coordinator, type CoordinatorOptions, createCoordinator } from "modelreins-worker/testing";

const ROOT = new URL("../../", import.meta.url);
/** tsx's loader in the child itself: the CLI's code path, without the second process `tsx <file>` starts. */
const TSX_LOADER = createRequire(import.meta.url).resolve("tsx");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Variables added to a clean environment (no MODELREINS_* from the test runner). */
  env?: Record<string, string>;
  /** Written to the child's stdin, which is then closed (closed at once when absent). */
  stdin?: string;
}

/** Runs `modelreins-worker <args>` and resolves once it exits. */
export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("MODELREINS_")),
  );
  Object.assign(env, { NO_COLOR: "1" }, options.env);
  const child = spawn(process.execPath, ["--import", pathToFileURL(TSX_LOADER).href, "src/cli/main.ts", ...args], {
    cwd: ROOT,
    env,
    stdio: "pipe",
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  child.stdin.end(options.stdin ?? "");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A local coordinator listening on a free port, and the environment that points the CLI at it. */
export interface Served {
  coordinator: Coordinator;
  url: string;
  env: Record<string, string>;
}

export async function serve(options?: CoordinatorOptions): Promise<Served> {
  const coordinator = createCoordinator(options);
  const { url } = await coordinator.listen({ port: 0 });
  return { coordinator, url, env: { MODELREINS_URL: url, MODELREINS_ADMIN_TOKEN: coordinator.adminToken } };
}

/** Parses stdout as exactly one JSON document (it must hold nothing else). */
export function json(result: CliResult): unknown {
  return JSON.parse(result.stdout);
}
