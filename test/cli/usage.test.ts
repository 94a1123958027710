/**
 * Help, usage errors and authentication failures of the admin commands: the
 * exit codes scripts rely on, and the token never printed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, type Served, serve } from "./support.js";

describe("modelreins-worker help and errors", () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve();
  });
  afterAll(async () => {
    await served.coordinator.close();
  });

  it("--help lists the commands and exit codes, and explains every option of each command", async () => {
    const [top, register, dispatch, jobs, workers, killswitch, jobsShowHelp] = await Promise.all([
      cli(["--help"]),
      cli(["register", "--help"]),
      cli(["dispatch", "--help"]),
      cli(["jobs", "--help"]),
      cli(["workers", "-h"]),
      cli(["killswitch", "--help"]),
      cli(["jobs", "show", "--help"]),
    ]);
    for (const result of [top, register, dispatch, jobs, workers, killswitch, jobsShowHelp]) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe("");
    }
    for (const name of ["dev", "register", "dispatch", "jobs", "workers", "killswitch"]) {
      expect(top.stdout).toMatch(new RegExp(`^ {2}${name} +\\S`, "m"));
    }
    for (const text of ["MODELREINS_URL", "MODELREINS_ADMIN_TOKEN", "MODELREINS_API_KEY", "--json", "Exit codes:"]) {
      expect(top.stdout).toContain(text);
    }
    for (const code of ["0", "1", "2", "3", "4", "5", "6"])
      expect(top.stdout).toMatch(new RegExp(`^ {2}${code} {2}\\S`, "m"));

    const connection = ["--url", "--token", "--json", "--help", "MODELREINS_ADMIN_TOKEN"];
    const expected: [typeof register, string[]][] = [
      [register, ["<name>", "--description", "--capability", "auto", "audit", "approve", "session", "vault://"]],
      [
        dispatch,
        [
          "<prompt>",
          "--input",
          "--input-file",
          "--provider",
          "--model",
          "--priority",
          "--tier",
          "--tag",
          "--assign",
          "--wait",
          "--timeout",
          "--interval",
          "stdin",
        ],
      ],
      [jobs, ["list", "show", "cancel", "retry", "--status", "--provider", "--limit", "--offset", "--reason"]],
      [workers, ["list", "show", "pause", "resume"]],
      [killswitch, ["activate", "clear", "--level", "--reason", "--resume-all"]],
    ];
    for (const [result, words] of expected) {
      for (const word of [...words, ...connection]) expect(result.stdout).toContain(word);
    }
    expect(jobsShowHelp.stdout).toBe(jobs.stdout);
  });

  it("exits 2 with one line and a pointer to --help for bad flags and arguments", async () => {
    const env = served.env;
    const cases = [
      ["dispatch", "x", "--prority", "high"],
      ["dispatch", "x", "--priority", "urgent"],
      ["dispatch", "x", "--input-file", "/nonexistent/input.json"],
      ["jobs", "7"],
      ["jobs", "cancel", "1", "--status", "done"],
      ["workers", "pause"],
      ["killswitch", "activate", "--level", "9", "--reason", "x"],
      ["register", "bot", "--capability", "nocolon"],
      ["jobs", "--url", "not a url"],
    ];
    const results = await Promise.all(cases.map((args) => cli(args, { env })));
    results.forEach((result, i) => {
      const command = cases[i]?.[0];
      expect(result.code, `${cases[i]?.join(" ")}: ${result.stderr}`).toBe(2);
      expect(result.stdout).toBe("");
      const lines = result.stderr.trim().split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(new RegExp(`^modelreins-worker ${command}: \\S`));
      expect(lines[1]).toBe(`Run \`modelreins-worker ${command} --help\` for the options.`);
    });
    expect(results[0]?.stderr).toContain("--prority");
    expect(results[1]?.stderr).toContain("--priority must be one of low, normal, high");
    expect(results[3]?.stderr).toContain("To see job 7: modelreins-worker jobs show 7");
    expect(results[4]?.stderr).toContain("--status does not apply to `jobs cancel`");

    const before = await cli(["--json", "jobs"], { env });
    expect(before.code).toBe(2);
    expect(before.stderr).toContain("Options go after the command");
  });

  it("exits 3 for a refused or missing token, and never prints the token", async () => {
    const secret = "mr_wrong_secret_token";
    const [wrongEnv, wrongFlag, workerToken, none, apiKey] = await Promise.all([
      cli(["jobs"], { env: { ...served.env, MODELREINS_ADMIN_TOKEN: secret } }),
      cli(["workers", "--token", secret, "--json"], { env: served.env }),
      cli(["jobs"], { env: { ...served.env, MODELREINS_ADMIN_TOKEN: served.coordinator.workerToken } }),
      cli(["jobs"], { env: { MODELREINS_URL: served.url, MODELREINS_TOKEN: served.coordinator.workerToken } }),
      cli(["workers", "--json"], {
        env: { MODELREINS_URL: served.url, MODELREINS_API_KEY: served.coordinator.adminToken },
      }),
    ]);
    for (const result of [wrongEnv, wrongFlag, workerToken, none]) {
      expect(result.code, result.stderr).toBe(3);
      expect(result.stdout).toBe("");
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).not.toContain(secret);
      expect(result.stderr).not.toContain(served.coordinator.workerToken);
    }
    expect(wrongEnv.stderr).toMatch(/HTTP 401/);
    expect(workerToken.stderr).toMatch(/HTTP 403/);
    expect(none.stderr).toMatch(/no admin token: set MODELREINS_ADMIN_TOKEN or MODELREINS_API_KEY, or pass --token/);
    expect(none.stderr).toContain("MODELREINS_TOKEN is set, but it is a worker token");
    // MODELREINS_API_KEY is the fallback, as in the SDK.
    expect(apiKey.code, apiKey.stderr).toBe(0);
    expect(JSON.parse(apiKey.stdout)).toEqual({ workers: [] });
  });

  it("exits 1 when the coordinator cannot be reached", async () => {
    const closed = await serve();
    const url = closed.url;
    await closed.coordinator.close();
    const result = await cli(["jobs", "--url", url], { env: { MODELREINS_ADMIN_TOKEN: "mr_admin_local" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^modelreins-worker jobs: GET \/api\/jobs could not reach the coordinator at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\. Nothing is listening there: .*`npx modelreins-worker dev`.*\n$/,
    );
  });
});
