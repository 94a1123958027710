import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url);
const TSX_CLI = createRequire(import.meta.url).resolve("tsx/cli");
const children: ChildProcessWithoutNullStreams[] = [];

/**
 * `tsx src/cli/main.ts ...` (what `npx tsx` runs, without npm exec in between:
 * npm exec dies by the signal itself, so its exit status would not be ours).
 * In its own process group, so a SIGINT to the group is what Ctrl+C sends.
 */
function run(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [TSX_CLI, "src/cli/main.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: "pipe",
    detached: true,
  });
  children.push(child);
  return child;
}

afterEach(() => {
  // Never leave a coordinator running when a test fails half way.
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
});

async function output(child: ReturnType<typeof run>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

describe("modelreins-worker dev", () => {
  it("prints its URL, serves /health, logs events and exits 0 on SIGINT", async () => {
    const child = run(["dev", "--port", "0", "--requeue-after", "5s"]);
    const done = output(child);
    let stdout = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk;
        const match = /listening on (http:\/\/\S+)[\s\S]*Ctrl\+C/.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      child.on("exit", (code: number | null) =>
        reject(new Error(`exited with ${code} before printing its URL: ${stdout}`)),
      );
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stdout).toContain(`MODELREINS_URL=${url} MODELREINS_TOKEN=mr_worker_local`);
    expect(stdout).toContain("MODELREINS_ADMIN_TOKEN=mr_admin_local");
    // The web console is at the printed address.
    expect(stdout).toContain(`Console: ${url}/ `);
    expect(await (await fetch(`${url}/`)).text()).toContain("<title>ModelReins local console</title>");

    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: "ok" });
    await fetch(`${url}/dispatch`, {
      method: "POST",
      headers: { authorization: "Bearer mr_admin_local", "content-type": "application/json" },
      body: JSON.stringify({ prompt: "hello there", assigned_to: "w1" }),
    });

    process.kill(-(child.pid as number), "SIGINT");
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/dispatch\s+job 1 → w1\s+"hello there"/);
    expect(result.stdout).toContain("stopping");
  });

  it("explains its options with --help", async () => {
    const result = await output(run(["dev", "--help"]));
    expect(result.code).toBe(0);
    for (const option of [
      "--port",
      "--host",
      "--admin-token",
      "--worker-token",
      "--requeue-after",
      "--quiet",
      "8787",
    ]) {
      expect(result.stdout).toContain(option);
    }
  });

  it("exits 2 with the usage on stderr for an unknown command or option", async () => {
    const unknown = await output(run(["deploy"]));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown command: deploy");
    expect(unknown.stderr).toContain("Usage: modelreins-worker <command>");

    const badOption = await output(run(["dev", "--prot", "1"]));
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/--prot/);
  });
});
