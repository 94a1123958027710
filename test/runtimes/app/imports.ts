/**
 * Run by the runtime under test in a project where the packed package is
 * installed: the package resolves by its name through its `exports`, for
 * `import` and for `require`, into the installed tarball.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ModelReins, Worker, WorkerError } from "modelreins-worker";
import { createCoordinator } from "modelreins-worker/testing";

const installed = join(process.cwd(), "node_modules", "modelreins-worker");
for (const [spec, file] of [
  ["modelreins-worker", "dist/index.js"],
  ["modelreins-worker/testing", "dist/testing/index.js"],
  ["modelreins-worker/testing/msw", "dist/testing/msw.js"],
] as const) {
  assert.equal(fileURLToPath(import.meta.resolve(spec)), join(installed, file), `import of ${spec}`);
}
const require = createRequire(import.meta.url);
for (const [spec, file] of [
  ["modelreins-worker", "dist/index.cjs"],
  ["modelreins-worker/testing", "dist/testing/index.cjs"],
] as const) {
  assert.equal(require.resolve(spec), join(installed, file), `require of ${spec}`);
}
const cjs = require("modelreins-worker") as typeof import("modelreins-worker");
const imported = { Worker, ModelReins, WorkerError, createCoordinator };
for (const [name, value] of Object.entries(imported)) assert.equal(typeof value, "function", `import { ${name} }`);
for (const [name, value] of Object.entries({ Worker: cjs.Worker, ModelReins: cjs.ModelReins })) {
  assert.equal(typeof value, "function", `require("modelreins-worker").${name}`);
}
// Two builds, two classes: an ESM instance is not an instance of the CommonJS class, and must not need to be.
assert.notEqual(cjs.Worker, Worker, "require gets the CommonJS build, import the ESM one");
assert.equal(typeof Worker.prototype[Symbol.asyncDispose], "function", "await using worker");
assert.equal(require("modelreins-worker/package.json").name, "modelreins-worker");
if ("Deno" in globalThis) {
  // Deno's own specifier for npm packages resolves to the same installed module as the bare name.
  const specifier = "npm:modelreins-worker";
  const viaNpm = (await import(specifier)) as typeof import("modelreins-worker");
  assert.equal(viaNpm.Worker, Worker, `import("${specifier}") is the module the bare name imports`);
}
console.log(`import${"Deno" in globalThis ? ", npm: import" : ""} and require by name resolve into ${installed}`);
