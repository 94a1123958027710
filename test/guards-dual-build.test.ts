/**
 * The error guards across the dual package: the ESM and the CommonJS builds,
 * loaded in one process, have two sets of classes, so `instanceof` fails
 * between them; `WorkerError.is()` and each subclass's `is()` must not. The
 * package is built into a temporary folder (no type declarations: only the
 * runtime is under test) and both files are loaded by one Node process.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "tsup";
import { afterAll, beforeAll, expect, it } from "vitest";

let out: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "modelreins-dual-"));
  await build({
    entry: { index: "src/index.ts", "testing/index": "src/testing/index.ts" },
    format: ["esm", "cjs"],
    outDir: out,
    target: "node20",
    platform: "node",
    splitting: false,
    dts: false,
    silent: true,
    config: false,
  });
}, 60_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

// Runs in its own process: the ESM build by import, the CommonJS build by require, side by side.
const script = `
import { createRequire } from "node:module";
const esm = await import(process.env.ESM_BUILD);
const cjs = createRequire(import.meta.url)(process.env.CJS_BUILD);
const { createCoordinator } = await import(process.env.ESM_TESTING);
const facts = {};
const made = new cjs.ConflictError("POST /api/jobs/1/claim failed with HTTP 409", { method: "POST", path: "/api/jobs/1/claim", status: 409 });
facts.twoClasses = esm.ConflictError !== cjs.ConflictError;
facts.instanceofAcross = made instanceof esm.ConflictError;
facts.conflictIs = esm.ConflictError.is(made);
facts.workerErrorIs = esm.WorkerError.is(made);
facts.notFoundIs = esm.NotFoundError.is(made);
const timeout = new esm.TimeoutError("slow", { method: "GET", path: "/health" });
facts.timeoutAsConnection = cjs.ConnectionError.is(timeout);
facts.timeoutAsTimeout = cjs.TimeoutError.is(timeout);
facts.timeoutAsRateLimit = cjs.RateLimitError.is(timeout);
const waited = new cjs.WaitTimeoutError(7, undefined, 10, { method: "GET", path: "/api/jobs/7" });
facts.waitIsWorkerError = esm.WorkerError.is(waited) && esm.WaitTimeoutError.is(waited);
const lost = new cjs.JobCancelledError({ method: "GET", path: "/my-jobs", status: 200, jobId: 3, seen: "cancelled" });
facts.cancelledIs = esm.JobCancelledError.is(lost) && esm.WorkerError.is(lost) && !esm.ConflictError.is(lost);
facts.plainError = esm.WorkerError.is(new Error("x"));
facts.lookalike = esm.ConflictError.is({ name: "ConflictError", status: 409 });
// A real failure raised by the CommonJS build, recognised by the ESM build.
const coordinator = createCoordinator();
const mr = new cjs.ModelReins({ ...coordinator.adminOptions(), logLevel: "silent" });
const missing = await mr.jobs.get(999).catch((error) => error);
facts.realNotFound = esm.NotFoundError.is(missing) && !(missing instanceof esm.NotFoundError);
facts.realNotConflict = esm.ConflictError.is(missing);
console.log(JSON.stringify(facts));
`;

it("WorkerError.is() and the subclasses' is() hold across the ESM and CommonJS builds in one process", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
    env: {
      ...process.env,
      ESM_BUILD: join(out, "index.js"),
      CJS_BUILD: join(out, "index.cjs"),
      ESM_TESTING: join(out, "testing/index.js"),
    },
  });
  expect(JSON.parse(stdout)).toEqual({
    twoClasses: true,
    instanceofAcross: false,
    conflictIs: true,
    workerErrorIs: true,
    notFoundIs: false,
    timeoutAsConnection: true,
    timeoutAsTimeout: true,
    timeoutAsRateLimit: false,
    waitIsWorkerError: true,
    cancelledIs: true,
    plainError: false,
    lookalike: false,
    realNotFound: true,
    realNotConflict: false,
  });
}, 60_000);
