/**
 * The CLI's own words for a mistyped command line, and a dev banner whose
 * lines work as printed.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { cli } from "./support.js";

describe("a mistyped command line", () => {
  it("an unknown option: our message, the closest option and --help, not Node's parser text", async () => {
    const result = await cli(["jobs", "--stauts", "failed"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "modelreins-worker jobs: unknown option --stauts; did you mean `--status`?\n" +
        "Run `modelreins-worker jobs --help` for the options.\n",
    );
  });

  it("an unknown option with nothing close: no guess, still the pointer to --help", async () => {
    const result = await cli(["workers", "--frobnicate"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option --frobnicate.");
    expect(result.stderr).not.toContain("did you mean");
    expect(result.stderr).toContain("modelreins-worker workers --help");
    expect(result.stderr).not.toMatch(/positional argument|ERR_PARSE_ARGS/);
  });

  it("a flag without its value, and a switch given one", async () => {
    const missing = await cli(["dispatch", "hello", "--timeout"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--timeout needs a value after it.");
    const valued = await cli(["jobs", "--json=yes"]);
    expect(valued.code).toBe(2);
    expect(valued.stderr).toContain("--json is a switch and takes no value");
  });

  it("an unknown command or subcommand: the closest match and where the list is", async () => {
    const command = await cli(["dispach", "make it short"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/^Unknown command: dispach; did you mean `dispatch`\?\n/);
    expect(command.stderr).toContain("Run `modelreins-worker <command> --help`");
    const sub = await cli(["killswitch", "clera"]);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain('unknown subcommand "clera"; did you mean `clear`? Use activate or clear.');
    expect(sub.stderr).toContain("modelreins-worker killswitch --help");
    const devTypo = await cli(["dev", "--prot", "0"]);
    expect(devTypo.code).toBe(2);
    expect(devTypo.stderr).toContain("unknown option --prot; did you mean `--port`?");
  });
});

describe("the dev banner", () => {
  it("prints every variable each side needs, and its admin line works as printed", async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    const child = spawn(process.execPath, ["--import", tsx, "src/cli/main.ts", "dev", "--port", "0", "--quiet"], {
      cwd: new URL("../../", import.meta.url),
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let stdout = "";
      const banner = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk;
          if (stdout.includes("Ctrl+C")) resolve(stdout);
        });
        child.on("exit", (code) => reject(new Error(`dev exited with ${code}: ${stdout}`)));
      });
      const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1] as string;
      const line = (label: string) => new RegExp(`^ +${label}: +(.+)$`, "m").exec(banner)?.[1] ?? "";
      const env = (assignments: string) =>
        Object.fromEntries(assignments.split(" ").map((pair) => pair.split("=") as [string, string]));
      expect(env(line("Workers"))).toEqual({ MODELREINS_URL: url, MODELREINS_TOKEN: "mr_worker_local" });
      expect(env(line("Admin"))).toEqual({ MODELREINS_URL: url, MODELREINS_ADMIN_TOKEN: "mr_admin_local" });
      const jobs = await cli(["jobs", "--json"], { env: env(line("Admin")) });
      expect(jobs.code, jobs.stderr).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
