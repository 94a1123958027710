/**
 * The argument convention (docs/decisions/0001-api-convention.md), pinned at
 * the type level: each misuse below must fail to compile with exactly the
 * expected error on its marked line, and the right use beside it compiles.
 */
import { expect, it } from "vitest";
import { TYPE_CHECK_TIMEOUT_MS, typeCheck } from "./support/typescript.js";

const header = `import { ModelReins, Worker, type PresenceResponse, type CompletionResponse } from "modelreins-worker";
declare const worker: Worker;
declare const mr: ModelReins;
declare const signal: AbortSignal;
`;

/** Each misuse: its line (after the header), the TypeScript error code it must get, and why. */
const misuses: Record<string, [code: number, line: string]> = {
  "request options are not params (heartbeat)": [2345, `await worker.heartbeat({ status: "busy", maxRetries: 0 });`],
  "request options are not params (uploadArtifact)": [
    2353,
    `await worker.uploadArtifact(new Uint8Array(1), "image/png", { filename: "a.png", maxRetries: 0 });`,
  ],
  "request options are not params (jobs.cancel)": [2353, `await mr.jobs.cancel(1, { reason: "duplicate", signal });`],
  "wait's overall limit is maxWaitMs, not a request option's name": [
    2353,
    `await mr.jobs.wait(1, { timeoutMs: 5000 });`,
  ],
  "params are spelled as on the wire (resume_all)": [2561, `await mr.killswitch.clear({ resumeAll: true });`],
  "params are spelled as on the wire (job_id)": [2561, `await worker.submitReview("image", "t", "c", { jobId: 42 });`],
  "request options hold only signal, timeoutMs, maxRetries": [2353, `await worker.claim(1, { query: { a: 1 } });`],
  "submitReview keeps Python's positional shape": [
    2554,
    `await worker.submitReview({ type: "image", title: "t", content: "c" });`,
  ],
  "a misspelt constructor option": [2561, `new Worker({ concurency: 4 });`],
  "typed returns: heartbeat is no bare JsonObject": [2322, `const status: number = (await worker.heartbeat()).status;`],
};

const rightUse = `${header}
const presence: PresenceResponse = await worker.heartbeat("busy", { details: { load: 1 } }, { maxRetries: 0 });
const done: CompletionResponse = await worker.complete(1, "result", "done", { signal });
await worker.uploadArtifact(new Uint8Array(1), "image/png", { filename: "a.png", job_id: 1 }, { timeoutMs: 60_000 });
await worker.submitReview("image", "t", "c", { preview: "https://x/s/1", job_id: 1 }, { signal });
await mr.jobs.cancel(1, { reason: "duplicate" }, { signal });
await mr.jobs.wait(1, { pollIntervalMs: 500, maxWaitMs: 60_000 }, { signal, timeoutMs: 5_000 });
await mr.killswitch.clear({ resume_all: true }, { maxRetries: 0 });
const updated: PresenceResponse = await mr.presence.update({ instance: "w", provider: "ollama" });
export const used = [presence, done, updated];
`;

it(
  "the right use of every changed call compiles",
  () => {
    expect(typeCheck({ "convention-right.ts": rightUse })).toEqual([]);
  },
  TYPE_CHECK_TIMEOUT_MS,
);

it(
  "each misuse fails to compile with its expected error, on its line, and no other",
  () => {
    const names = Object.keys(misuses);
    const sources = Object.fromEntries(
      names.map((name, i) => [`convention-misuse-${i + 1}.ts`, `${header}${misuses[name]?.[1]}\nexport {};\n`]),
    );
    const problems = typeCheck(sources);
    const line = header.split("\n").length;
    const seen = names.map((name, i) => {
      const found = problems.filter((p) => p.file === `convention-misuse-${i + 1}.ts`);
      return [name, found.map((p) => `TS${p.code} at line ${p.line}`)];
    });
    expect(seen).toEqual(names.map((name) => [name, [`TS${misuses[name]?.[0]} at line ${line}`]]));
  },
  TYPE_CHECK_TIMEOUT_MS,
);
