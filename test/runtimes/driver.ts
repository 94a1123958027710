/**
 * The end-to-end set on one runtime, driven from Node (the reference):
 *
 *   tsx test/runtimes/driver.ts <bun|deno> <path to its binary> <scratch project>
 *
 * The scratch project has the packed package installed by name and the
 * scripts of test/runtimes/app/. Every check below starts the runtime itself
 * on one of them (or on the package's CLI):
 *
 * 1. imports.ts: `import` and `require` by name resolve into the tarball
 *    (on Deno, `npm:modelreins-worker` too);
 * 2. kit.spec.ts under the runtime's test runner (`bun test`, `deno test`,
 *    which also type-checks against the package's .d.ts files);
 * 3. e2e.ts against a coordinator listening in this process: the User-Agent
 *    names the runtime, jobs done at concurrency 3, a throwing handler,
 *    `uploadArtifact` of an `openAsBlob` file with flat memory,
 *    `submitReview`; checked against the coordinator's records;
 * 4. the CLI's `dev` started with the runtime, a worker.ts started as the
 *    README says, and the CLI's `dispatch --wait` getting its result; on
 *    Deno, each of the README's permissions is needed (and
 *    `--allow-sys=hostname` for a worker with no name);
 * 5. SIGTERM and SIGINT mid-job: the job finishes, the worker exits 0; the
 *    same signal twice: exit 143/130 at once, the job left running;
 * 6. `dev` stops on SIGTERM with exit 0.
 *
 * The children get no Node.js on their PATH, so none of them can fall back
 * to it.
 *
 * Prints one line per check; exits 1 if any failed.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { ModelReins } from "modelreins-worker";
import { type Coordinator, createCoordinator } from "modelreins-worker/testing";
import { Child, describeExit, killAll } from "./process.js";

const [name, binary, app] = process.argv.slice(2);
if ((name !== "bun" && name !== "deno") || !binary || !app) {
  console.error("usage: tsx test/runtimes/driver.ts <bun|deno> <binary> <scratch project>");
  process.exit(2);
}

/** How a user starts each thing on this runtime. `net` is the coordinator's host:port. */
interface Runtime {
  /** A script of the tests, with every permission: what it checks is behaviour. */
  script(file: string, ...args: string[]): string[];
  /** worker.ts, exactly as the README's command for this runtime starts a worker. */
  worker(net: string, ...args: string[]): string[];
  test(file: string): string[];
  cli(...args: string[]): string[];
}

/** The README's command for this runtime, with its permissions as written there. */
function readmeCommand(runtime: "bun" | "deno"): string[] {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const line = readme.split("\n").find((l) => new RegExp(`^(\\S+=\\S+ )*${runtime} (run )?.*worker\\.ts$`).test(l));
  assert.ok(line, `README.md shows how to start worker.ts on ${runtime}`);
  const words = line.split(" ").filter((w) => !/^[A-Z_]+=/.test(w));
  return words.slice(1, words.indexOf("worker.ts"));
}

const runtimes: Record<"bun" | "deno", Runtime> = {
  bun: {
    script: (file, ...args) => [binary, file, ...args],
    worker: (_net, ...args) => [binary, ...readmeCommand("bun"), "worker.ts", ...args],
    test: (file) => [binary, "test", `./${file}`],
    // As the README says. --bun: run the bin (a `#!/usr/bin/env node` script) with Bun, not a Node.js on the PATH.
    cli: (...args) => [binary, "x", "--bun", "modelreins-worker", ...args],
  },
  deno: {
    script: (file, ...args) => [binary, "run", "--allow-all", file, ...args],
    worker: (net, ...args) => [
      binary,
      // The README's host:port is the local coordinator's default; this one listens on another port.
      ...readmeCommand("deno").map((flag) => flag.replace(/^--allow-net=.*/, `--allow-net=${net}`)),
      "worker.ts",
      ...args,
    ],
    test: (file) => [binary, "test", "--allow-all", file],
    // As the README says.
    cli: (...args) => [binary, "run", "-A", "npm:modelreins-worker", ...args],
  },
};
const runtime = runtimes[name];
// No Node.js on the children's PATH: nothing started here can fall back to it without failing.
const baseEnv: NodeJS.ProcessEnv = { PATH: dirname(binary), HOME: process.env.HOME, NO_COLOR: "1" };
const start = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  new Child(argv, { cwd: app, env: { ...baseEnv, ...env } });

let failures = 0;
async function check(title: string, body: () => Promise<string | undefined>): Promise<void> {
  const started = Date.now();
  try {
    const detail = await body();
    console.log(`  ok   ${title}${detail ? `: ${detail}` : ""} (${Date.now() - started} ms)`);
  } catch (error) {
    failures += 1;
    console.error(`  FAIL ${title}: ${error instanceof Error ? error.message : String(error)}`);
    const output = (error as { output?: string }).output;
    if (output) console.error(output.replace(/^/gm, "       "));
  }
}

/** Runs a child to its end and fails with its output unless it exits 0. */
async function runToEnd(child: Child, ms = 120_000): Promise<Child> {
  const exit = await child.exit(ms).catch((error: Error) => {
    child.kill("SIGKILL");
    throw Object.assign(error, { output: child.tail() });
  });
  if (exit.code !== 0) throw Object.assign(new Error(describeExit(exit)), { output: child.tail(30) });
  return child;
}

/** Adds the child's output to whatever `body` throws. */
async function withOutput<T>(child: Child, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw Object.assign(error instanceof Error ? error : new Error(String(error)), { output: child.tail() });
  }
}

const version = start([binary, "--version"]);
await version.exit();
console.log(`  ${name}: ${version.stdout.trim().split("\n")[0]}`);

try {
  await check("imports by name (ESM and CommonJS) resolve into the tarball", async () => {
    const child = await runToEnd(start(runtime.script("imports.ts")));
    return child.stdout.trim().split("\n").at(-1);
  });

  await check(`the testing kit under \`${name} test\``, async () => {
    const child = await runToEnd(start(runtime.test("kit.spec.ts")));
    const output = `${child.stdout}\n${child.stderr}`;
    // A runner that found no tests may exit 0 too: each test must have been seen to run.
    for (const test of ["runs a dispatched job through", "fails a job whose handler throws"]) {
      assert.ok(output.includes(test), `the runner reports the test "${test}…"; its output:\n${output}`);
    }
    return output.match(/(\d+ pass(ed)?\b.*)/)?.[1]?.trim();
  });

  await check("a worker and the admin client over HTTP (concurrency, a throw, a streamed artifact, a review)", () =>
    e2eAgainst(createCoordinator({ seed: 7, maxBodyBytes: 512 * 1024 * 1024 })),
  );

  await cliAndSignals();
} finally {
  killAll();
}

async function e2eAgainst(coordinator: Coordinator): Promise<string> {
  const listener = await coordinator.listen();
  try {
    const child = await runToEnd(
      start(runtime.script("e2e.ts"), {
        MODELREINS_URL: listener.url,
        MODELREINS_TOKEN: coordinator.workerToken,
        MODELREINS_ADMIN_TOKEN: coordinator.adminToken,
        TMPDIR: process.env.TMPDIR ?? "/tmp",
      }),
    );
    const report = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "") as {
      done: number;
      peak: number;
      openMiB: number;
      uploadMiB: number;
      artifacts: { small: string; big: string; bigSize: number };
      review: number;
      uploader: number;
      userAgent: string;
    };
    // What the runtime says it did, against what the coordinator recorded.
    const jobs = coordinator.jobs();
    assert.equal(jobs.filter((j) => j.status === "done").length, report.done, "jobs done");
    assert.equal(jobs.filter((j) => j.status === "failed").length, 1, "jobs failed");
    for (const job of jobs) assert.equal(coordinator.completions(job.id), 1, `job ${job.id} completed once`);
    const artifacts = new Map(coordinator.artifacts().map((a) => [a.slug, a]));
    assert.equal(artifacts.get(report.artifacts.big)?.bytes.byteLength, report.artifacts.bigSize, "big artifact");
    assert.equal(artifacts.get(report.artifacts.big)?.job_id, report.uploader, "big artifact's job");
    assert.equal(artifacts.get(report.artifacts.small)?.bytes.byteLength, 100_000, "small artifact");
    const review = coordinator.reviews().find((r) => r.id === report.review);
    assert.equal(review?.content, "a review from the runtime", "the review as submitted");
    return `${report.userAgent}; ${report.done} done, 1 failed, peak concurrency ${report.peak}, a 256 MiB file: +${report.openMiB} MiB to open, +${report.uploadMiB} MiB to upload`;
  } finally {
    await coordinator.close();
  }
}

async function cliAndSignals(): Promise<void> {
  const dev = start(runtime.cli("dev", "--port", "0"));
  let url: string;
  try {
    url = (await withOutput(dev, () => dev.waitFor(/listening on (http:\/\/\S+)/)))[1] ?? "";
  } catch (error) {
    failures += 1;
    console.error(`  FAIL \`dev\` started with ${name}: ${(error as Error).message}`);
    console.error(dev.tail().replace(/^/gm, "       "));
    return;
  }
  console.log(`  ok   \`dev\` started with ${name}: ${url}`);
  const net = new URL(url).host;
  const env = { MODELREINS_URL: url, MODELREINS_TOKEN: "mr_worker_local", MODELREINS_ADMIN_TOKEN: "mr_admin_local" };
  const admin = new ModelReins({ url, token: "mr_admin_local", logLevel: "silent" });

  const startWorker = async (workerName: string) => {
    const worker = start(runtime.worker(net, workerName), env);
    await withOutput(worker, () => worker.waitFor(/worker "[^"]+" started against/));
    return worker;
  };

  await check(`\`dispatch --wait\` with ${name}, served by a worker started as the README says`, async () => {
    const worker = await startWorker("runtime-cli");
    try {
      const cli = await runToEnd(start(runtime.cli("dispatch", "200", "--assign", "runtime-cli", "--wait"), env));
      const result = cli.stdout.match(/.*slept 200 ms.*/)?.[0];
      assert.ok(result, `dispatch --wait prints the result; it printed:\n${cli.stdout}`);
      return result.trim();
    } finally {
      worker.kill("SIGKILL");
    }
  });

  if (name === "deno") {
    await check("each permission of the README's deno command is needed, and its lack stops the worker", async () => {
      // deno, "run", the permission flags, "worker.ts"
      const [deno = "deno", run = "run", ...flags] = runtime.worker(net).slice(0, -1);
      const without: { dropped: string; flags: string[] }[] = [];
      for (const [i, flag] of flags.entries()) {
        const [key, list] = flag.split("=");
        const items = list?.split(",") ?? [];
        if (items.length <= 1) without.push({ dropped: flag, flags: flags.filter((_, j) => j !== i) });
        for (const item of items.length > 1 ? items : []) {
          const rest = `${key}=${items.filter((x) => x !== item).join(",")}`;
          without.push({ dropped: item, flags: flags.map((f, j) => (j === i ? rest : f)) });
        }
      }
      for (const { dropped, flags: fewer } of without) {
        // Refused for good: the worker says which permission it lacks and stops, rather than retrying forever.
        const worker = start([deno, run, ...fewer, "worker.ts", "runtime-permissions"], env);
        try {
          const exit = await withOutput(worker, () => worker.exit(20_000));
          assert.match(worker.stderr, /NotCapable|Requires \w+ access/, `without ${dropped}: the reason`);
          assert.ok(exit.code !== 0 && exit.code !== null, `without ${dropped}: ${describeExit(exit)}`);
        } catch (error) {
          throw Object.assign(error as Error, { output: worker.tail() });
        } finally {
          worker.kill("SIGKILL");
        }
      }
      // The README: "Add --allow-sys=hostname if you leave out name".
      const unnamed = start([deno, run, ...flags, "worker.ts"], env);
      await withOutput(unnamed, () => unnamed.waitFor(/NotCapable: Requires sys access to "hostname"/, 20_000));
      unnamed.kill("SIGKILL");
      const named = start([deno, run, ...flags, "--allow-sys=hostname", "worker.ts"], env);
      await withOutput(named, () => named.waitFor(/worker "[^"]+-\d+" started against/, 20_000));
      named.kill("SIGKILL");
      return `without any one of ${without.map((w) => w.dropped).join(", ")}, the worker says so and exits 1; with no name, it also needs --allow-sys=hostname`;
    });
  }

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    await check(`${signal} mid-job: the job finishes, then exit 0`, async () => {
      const worker = await startWorker(`runtime-${signal}`);
      return withOutput(worker, async () => {
        const job = await admin.dispatch({ prompt: "1500", assigned_to: `runtime-${signal}` });
        await worker.waitFor(new RegExp(`started ${job.id}\\b`));
        worker.kill(signal);
        const exit = await worker.exit(30_000);
        const after = await admin.jobs.get(job.id);
        assert.equal(after.status, "done", `the job's status after the stop (result: ${after.result})`);
        assert.equal(after.result, "slept 1500 ms");
        assert.deepEqual(exit, { code: 0, signal: null }, `the worker's exit: ${describeExit(exit)}`);
        return `job ${after.status}, ${describeExit(exit)}`;
      });
    });

    const code = signal === "SIGTERM" ? 143 : 130;
    await check(`${signal} twice: exit ${code} at once`, async () => {
      const worker = await startWorker(`runtime-${signal}-twice`);
      return withOutput(worker, async () => {
        const job = await admin.dispatch({ prompt: "60000", assigned_to: `runtime-${signal}-twice` });
        await worker.waitFor(new RegExp(`started ${job.id}\\b`));
        worker.kill(signal);
        await worker.waitFor(/received: finishing in-flight jobs/);
        const sent = Date.now();
        worker.kill(signal);
        const exit = await worker.exit(15_000);
        assert.deepEqual(exit, { code, signal: null }, `the worker's exit: ${describeExit(exit)}`);
        const after = await admin.jobs.get(job.id);
        assert.equal(after.status, "running", "the job was left to the coordinator to requeue");
        return `${describeExit(exit)} ${Date.now() - sent} ms after the second ${signal}`;
      });
    });
  }

  await check(`\`dev\` stops on SIGTERM with exit 0`, async () => {
    dev.kill("SIGTERM");
    const exit = await withOutput(dev, () => dev.exit(15_000));
    assert.deepEqual(exit, { code: 0, signal: null }, describeExit(exit));
    return describeExit(exit);
  });
}

if (failures > 0) {
  console.error(`  ${failures} check(s) failed on ${name}`);
  process.exit(1);
}
