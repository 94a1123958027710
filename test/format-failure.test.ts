/** The formatFailure run() option: what a failed job reports, and what stays on this machine. */
import { describe, expect, it } from "vitest";
import { type Job, Worker } from "../src/index.js";
import type { Logger } from "../src/logger.js";
import { createCoordinator } from "../src/testing/index.js";

function recordingLogger(lines: string[]): Logger {
  const at = (level: string) => (text: string) => lines.push(`${level} ${text}`);
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Runs one job whose handler throws `thrown`, and returns its result as the coordinator got it. */
async function failedResult(thrown: unknown, formatFailure?: (error: unknown, job: Job) => string) {
  const coordinator = createCoordinator();
  const lines: string[] = [];
  const worker = new Worker({ ...coordinator.workerOptions(), name: "failing", logger: recordingLogger(lines) });
  const job = coordinator.createJob({ prompt: "secret customer data", assigned_to: worker.name });
  const running = worker.run(
    () => {
      throw thrown;
    },
    { handleSignals: false, ...(formatFailure ? { formatFailure } : {}) },
  );
  const done = await coordinator.waitFor(job.id, "failed");
  await worker.stop();
  await running;
  return { result: done.result ?? "", lines, job };
}

describe("formatFailure", () => {
  it("by default a failed job reports the stack trace, file paths included", async () => {
    const { result } = await failedResult(new Error("could not parse secret customer data"));
    expect(result).toMatch(/^Error: could not parse secret customer data\n {4}at /);
    expect(result).toContain("format-failure.test.ts");
  });

  it("its text is what the coordinator gets, given the error and the job", async () => {
    const seen: Array<[unknown, Job]> = [];
    const thrown = new RangeError("secret customer data is too long");
    const { result, job } = await failedResult(thrown, (error, failedJob) => {
      seen.push([error, failedJob]);
      return `failed: ${(error as Error).name}`;
    });
    expect(result).toBe("failed: RangeError");
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[0]).toBe(thrown);
    expect(seen[0]?.[1]).toMatchObject({ id: job.id });
  });

  it("when it throws or returns no string, the job fails with a fixed text and the log says why", async () => {
    const threw = await failedResult(new Error("secret customer data"), () => {
      throw new Error("formatter broke");
    });
    expect(threw.result).toBe("the handler failed; formatFailure could not describe the error, so no detail was sent");
    expect(threw.lines.join("\n")).toMatch(/^error formatFailure threw for job \d+; .*formatter broke$/m);

    const undefinedText = await failedResult(new Error("secret customer data"), (() => undefined) as never);
    expect(undefinedText.result).not.toContain("secret");
    expect(undefinedText.lines.join("\n")).toMatch(/formatFailure returned nothing for job \d+, not a string/);
  });

  it("is checked like every run() option: not a function, or misspelt, is refused at once", async () => {
    const coordinator = createCoordinator();
    const worker = new Worker({ ...coordinator.workerOptions(), logLevel: "silent" });
    await expect(worker.run(() => "", { formatFailure: "stack" as never })).rejects.toThrow(
      /run\(\): formatFailure must be a function \(error, job\) => string; got the string "stack"/,
    );
    await expect(worker.run(() => "", { formatFailur: () => "x" } as never)).rejects.toThrow(/formatFailure/);
  });
});
