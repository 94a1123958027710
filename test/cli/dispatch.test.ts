/**
 * `modelreins-worker dispatch` as a child process, against a local coordinator
 * over HTTP, with a real Worker running in this process on the same coordinator.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Logger, Worker } from "modelreins-worker";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cli, json, type Served, serve } from "./support.js";

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe("modelreins-worker dispatch", () => {
  let served: Served;
  let worker: Worker;
  let running: Promise<void>;
  let dir: string;

  beforeAll(async () => {
    served = await serve();
    dir = await mkdtemp(join(tmpdir(), "mr-cli-"));
  });

  afterAll(async () => {
    await worker?.stop();
    await running;
    await served.coordinator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("exits 5 when no worker is eligible, with one line on stderr and nothing on stdout", async () => {
    const result = await cli(["dispatch", "anyone there?", "--json"], { env: served.env });
    expect(result.code).toBe(5);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(
      /^modelreins-worker dispatch: POST \/dispatch failed with HTTP 503: no eligible worker/,
    );
  });

  it("prints the job, as text or as the server's JSON, its input from stdin, a file or the flag", async () => {
    const file = join(dir, "input.json");
    await writeFile(file, '{"rows": [1, 2]}\n');
    const text = join(dir, "input.txt");
    await writeFile(text, "plain text, not JSON\n");
    const env = served.env;
    const [human, fromStdin, fromFile, fromText, inline] = await Promise.all([
      cli(["dispatch", "for nobody yet", "--assign", "ghost", "--priority", "high", "--tag", "a", "--tag", "b"], {
        env,
      }),
      cli(["dispatch", "stdin", "--assign", "ghost", "--input", "-", "--json"], { env, stdin: '{"from": "stdin"}' }),
      cli(["dispatch", "file", "--assign", "ghost", "--input-file", file, "--json"], { env }),
      cli(
        ["dispatch", "text", "--assign", "ghost", "--input-file", text, "--json", "--provider", "p1", "--model", "m1"],
        {
          env,
        },
      ),
      cli(["dispatch", "inline", "--assign", "ghost", "--input", "42", "--tier", "audit", "--json"], { env }),
    ]);

    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Dispatched job \d+ \(pending, assigned to ghost\)\.\n$/);
    const humanId = Number(/job (\d+)/.exec(human.stdout)?.[1]);
    expect(served.coordinator.job(humanId)).toMatchObject({ priority: "high", tags: ["a", "b"] });

    for (const result of [fromStdin, fromFile, fromText, inline]) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe("");
    }
    expect(json(fromStdin)).toMatchObject({
      prompt: "stdin",
      status: "pending",
      assigned_to: "ghost",
      input: { from: "stdin" },
    });
    expect(json(fromFile)).toMatchObject({ prompt: "file", input: { rows: [1, 2] } });
    expect(json(fromText)).toMatchObject({ input: "plain text, not JSON\n", provider: "p1", model: "m1" });
    expect(json(inline)).toMatchObject({ input: 42, tier: "audit" });
    // The JSON is the server's answer, every field of it.
    const id = (json(inline) as { id: number }).id;
    expect(json(inline)).toEqual(served.coordinator.job(id));
  });

  it("--wait follows the job to its end: exit 0 with the result, exit 1 when it failed, exit 6 on timeout", async () => {
    worker = new Worker({
      ...served.coordinator.workerOptions(),
      name: "w1",
      pollIntervalMs: 50,
      heartbeatIntervalMs: 200,
      logger: silent,
    });
    running = worker.run(
      (job) => {
        if (job.prompt.startsWith("fail")) throw new Error("the handler broke");
        return `echo: ${job.prompt} ${JSON.stringify(job.input)}`;
      },
      { handleSignals: false },
    );
    await vi.waitFor(() => expect(served.coordinator.presence().map((p) => p.instance)).toContain("w1"));

    const env = served.env;
    const wait = ["--wait", "--interval", "100ms", "--timeout", "10s"];
    const [done, doneJson, failed, timedOut] = await Promise.all([
      cli(["dispatch", "hello", "--input", '{"n": 1}', ...wait], { env }),
      cli(["dispatch", "json please", "--json", ...wait], { env }),
      cli(["dispatch", "fail now", ...wait], { env }),
      cli(
        [
          "dispatch",
          "nobody takes this",
          "--assign",
          "ghost",
          "--json",
          "--wait",
          "--interval",
          "100ms",
          "--timeout",
          "500ms",
        ],
        {
          env,
        },
      ),
    ]);

    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^Dispatched job \d+ \(pending, assigned to w1\)\.\n/);
    expect(done.stdout).toMatch(/Job \d+ done \(worker w1\)\.\nResult:\necho: hello \{"n":1\}\n$/);
    expect(done.stderr).toMatch(/Waiting for job \d+ to end/);

    expect(doneJson.code, doneJson.stderr).toBe(0);
    expect(json(doneJson)).toMatchObject({ status: "done", result: "echo: json please null", claimed_by: "w1" });

    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/Job \d+ failed \(worker w1\)\.\nResult:\nError: the handler broke/);

    expect(timedOut.code).toBe(6);
    expect(json(timedOut)).toMatchObject({ status: "pending", assigned_to: "ghost" });
    expect(timedOut.stderr).toMatch(
      /^modelreins-worker dispatch: job \d+ did not reach a final state within 500 ms \(last status: pending\)\n$/,
    );
  });
});
