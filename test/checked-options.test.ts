/**
 * Every options object the package takes refuses unknown keys, naming the key
 * and the closest known one, and refuses a non-object; wrong types say what
 * they got. Nothing reaches the network when an argument is wrong.
 */
import { describe, expect, it } from "vitest";
import { ModelReins, Worker } from "../src/index.js";
import { createCoordinator } from "../src/testing/index.js";

const sent: string[] = [];
const fetch: typeof globalThis.fetch = async (input) => {
  sent.push(String(input));
  return new Response("{}", { headers: { "content-type": "application/json" } });
};
const connection = {
  token: "mr_worker_test_token",
  url: "https://coordinator.test",
  logLevel: "silent",
  fetch,
} as const;
const worker = () => new Worker({ ...connection, name: "w1" });
const admin = () => new ModelReins(connection);

/** Calls `act` and returns the TypeError it throws or rejects with. */
async function typeError(act: () => unknown): Promise<string> {
  try {
    await act();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).not.toContain(connection.token);
    return (error as Error).message;
  }
  throw new Error("expected a TypeError");
}

describe("constructor and run() options", () => {
  it.each([
    [
      "Worker",
      () => new Worker({ ...connection, concurency: 4 } as never),
      "concurency",
      "Worker options",
      "concurrency",
    ],
    [
      "Worker",
      () => new Worker({ ...connection, pollInterval: 1 } as never),
      "pollInterval",
      "Worker options",
      "pollIntervalMs",
    ],
    [
      "ModelReins",
      () => new ModelReins({ ...connection, timeout: 5 } as never),
      "timeout",
      "ModelReins options",
      "timeoutMs",
    ],
    ["run()", () => worker().run(() => "", { onErorr: () => {} } as never), "onErorr", "run() options", "onError"],
    ["createCoordinator()", () => createCoordinator({ sed: 1 } as never), "sed", "createCoordinator() options", "seed"],
  ])("%s names the unknown key and the closest known one", async (_, act, key, where, suggestion) => {
    expect(await typeError(act)).toBe(`unknown option \`${key}\` in ${where}; did you mean \`${suggestion}\`?`);
  });

  it.each([
    [
      "Worker",
      () => new Worker("summarizer" as never),
      "Worker options must be an object such as { name: ... }; got a string (not shown, in case it is the token).",
    ],
    [
      "ModelReins",
      () => new ModelReins(5 as never),
      "ModelReins options must be an object such as { token: ... }; got the number 5.",
    ],
    [
      "run()",
      () => worker().run(() => "", [] as never),
      "run() options must be an object such as { onError: ... }; got an array.",
    ],
    [
      "createCoordinator()",
      () => createCoordinator("x" as never),
      'createCoordinator() options must be an object such as { url: ... }; got the string "x".',
    ],
  ])("%s refuses a non-object where its options belong", async (_, act, message) => {
    expect(await typeError(act)).toBe(message);
  });

  it("a string where options belong is not repeated: it may be the token", async () => {
    expect(await typeError(() => new Worker("mr_worker_s3cr3t_token" as never))).not.toContain("s3cr3t");
    expect(await typeError(() => new ModelReins("mr_admin_s3cr3t" as never))).not.toContain("s3cr3t");
  });

  it("the local coordinator's helpers check theirs too", async () => {
    const coordinator = createCoordinator();
    expect(await typeError(() => coordinator.listen({ prot: 0 } as never))).toBe(
      "unknown option `prot` in listen() options; did you mean `port`?",
    );
    expect(await typeError(() => coordinator.waitFor(1, "done", { timeout: 5 } as never))).toBe(
      "unknown option `timeout` in waitFor() options; did you mean `timeoutMs`?",
    );
    expect(await typeError(() => coordinator.faults.add({ kind: "drop-after", time: 1 } as never))).toBe(
      "unknown option `time` in the fault of faults.add(); did you mean `times`?",
    );
    await coordinator.close();
  });

  it("undefined options still mean the defaults", () => {
    expect(() => new Worker({ ...connection, concurrency: undefined })).not.toThrow();
    expect(() => createCoordinator(undefined)).not.toThrow();
  });
});

describe("per-call options and params", () => {
  it.each([
    [
      "worker.claim()",
      () => worker().claim(1, { retries: 0 } as never),
      "retries",
      "the options of worker.claim()",
      "maxRetries",
    ],
    [
      "worker.inbox()",
      () => worker().inbox("pending", { singal: undefined } as never),
      "singal",
      "the options of worker.inbox()",
      "signal",
    ],
    [
      "worker.complete()",
      () => worker().complete(1, "r", "done", { timeout: 1 } as never),
      "timeout",
      "the options of worker.complete()",
      "timeoutMs",
    ],
    [
      "worker.heartbeat() params",
      () => worker().heartbeat("idle", { detail: {} } as never),
      "detail",
      "the params of worker.heartbeat()",
      "details",
    ],
    [
      "worker.heartbeat() options",
      () => worker().heartbeat("idle", {}, { maxRetry: 0 } as never),
      "maxRetry",
      "the options of worker.heartbeat()",
      "maxRetries",
    ],
    [
      "worker.uploadArtifact() params",
      () => worker().uploadArtifact(new Uint8Array(1), "text/plain", { jobId: 1 } as never),
      "jobId",
      "the params of worker.uploadArtifact()",
      "job_id",
    ],
    [
      "worker.submitReview() params",
      () => worker().submitReview("t", "t", "c", { jobId: 1 } as never),
      "jobId",
      "the params of worker.submitReview()",
      "job_id",
    ],
    [
      "jobs.get()",
      () => admin().jobs.get(1, { timeoutMS: 1 } as never),
      "timeoutMS",
      "the options of jobs.get()",
      "timeoutMs",
    ],
    [
      "jobs.cancel() params",
      () => admin().jobs.cancel(1, { reson: "x" } as never),
      "reson",
      "the params of jobs.cancel()",
      "reason",
    ],
    [
      "jobs.wait() params",
      () => admin().jobs.wait(1, { intervalMs: 5 } as never),
      "intervalMs",
      "the params of jobs.wait()",
      "pollIntervalMs",
    ],
    ["jobs.list() query", () => admin().jobs.list({ limt: 5 } as never), "limt", "the query of jobs.list()", "limit"],
    [
      "jobs.listAll() query",
      () => admin().jobs.listAll({ pagesize: 5 } as never),
      "pagesize",
      "the query of jobs.listAll()",
      "pageSize",
    ],
    [
      "killswitch.activate() input",
      () => admin().killswitch.activate({ level: 1, reasn: "x" } as never),
      "reasn",
      "the input of killswitch.activate()",
      "reason",
    ],
    [
      "cost.summary() query",
      () => admin().cost.summary({ peroid: "week" } as never),
      "peroid",
      "the query of cost.summary()",
      "period",
    ],
    [
      "killswitch.clear() params",
      () => admin().killswitch.clear({ resumeAll: true } as never),
      "resumeAll",
      "the params of killswitch.clear()",
      "resume_all",
    ],
    [
      "dispatch()",
      () => admin().dispatch({ prompt: "p" }, { signl: undefined } as never),
      "signl",
      "the options of dispatch()",
      "signal",
    ],
  ])("%s names the unknown key and the closest known one", async (_, act, key, where, suggestion) => {
    expect(await typeError(act)).toBe(`unknown option \`${key}\` in ${where}; did you mean \`${suggestion}\`?`);
    expect(sent).toEqual([]);
  });

  it("the request options of a worker call cannot carry query, auth, form or errorMap", async () => {
    for (const key of ["query", "auth", "form", "errorMap"]) {
      expect(await typeError(() => worker().inbox("pending", { [key]: {} } as never))).toBe(
        `unknown option \`${key}\` in the options of worker.inbox() (known: signal, timeoutMs, maxRetries).`,
      );
    }
    expect(sent).toEqual([]);
  });

  it("a non-object where request options belong is a TypeError too", async () => {
    expect(await typeError(() => worker().claim(1, 5000 as never))).toBe(
      "the options of worker.claim() must be an object such as { signal: ... }; got the number 5000.",
    );
  });
});

describe("type and range messages say what they got and agree with their checks", () => {
  it.each([
    [{ pollIntervalMs: "1000" }, 'pollIntervalMs must be a number of milliseconds; got the string "1000".'],
    [{ pollIntervalMs: 0 }, "pollIntervalMs must be more than 0 ms; got the number 0."],
    [{ concurrency: 2.5 }, "concurrency must be a whole number; got the number 2.5."],
    [{ concurrency: 0 }, "concurrency must be at least 1; got the number 0."],
    [{ concurrency: "3" }, 'concurrency must be a whole number; got the string "3".'],
    [{ maxRetries: -1 }, "maxRetries must be 0 or more; got the number -1."],
    [{ name: 42 }, "name must be a non-empty string; got the number 42."],
    [{ tags: "gpu" }, 'tags must be an array of non-empty strings without commas; got the string "gpu".'],
  ])("Worker %j", async (options, message) => {
    expect(await typeError(() => new Worker({ ...connection, ...options } as never))).toBe(message);
  });

  it.each([
    [{ onError: "log" }, 'run(): onError must be a function (job, error) => void; got the string "log".'],
    [{ signal: {} }, "run(): signal must be an AbortSignal; got an object."],
    [{ handleSignals: "no" }, 'run(): handleSignals must be true or false; got the string "no".'],
  ])("run() %j", async (options, message) => {
    expect(await typeError(() => worker().run(() => "", options as never))).toBe(message);
  });

  it("createCoordinator", async () => {
    expect(await typeError(() => createCoordinator({ presenceTtlMs: "5" } as never))).toBe(
      'createCoordinator: presenceTtlMs must be a number; got the string "5".',
    );
  });
});

describe("a request option put in a params object (the 0.1 shape)", () => {
  it.each([
    [() => worker().heartbeat("idle", { maxRetries: 0 } as never), "maxRetries", "the params of worker.heartbeat()"],
    [
      () => admin().jobs.cancel(1, { reason: "x", signal: undefined } as never),
      "signal",
      "the params of jobs.cancel()",
    ],
    [() => admin().jobs.wait(1, { timeoutMs: 5 } as never), "timeoutMs", "the params of jobs.wait()"],
  ])("says where it goes", async (act, key, where) => {
    expect(await typeError(act)).toMatch(
      new RegExp(
        `^\`${key}\` is a request option, not one of ${where.replace(/[()]/g, "\\$&")} \\(.*\\): pass it in the call's last argument, \\{ ${key}: \\.\\.\\. \\}\\.$`,
      ),
    );
  });
});
