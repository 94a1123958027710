#!/usr/bin/env bash
# Pack-and-consume test: what a user gets from `npm install modelreins-worker`.
#
# Packs the package as `npm publish` would, installs the tarball into a fresh
# project outside the repository, and checks that:
#   1. the tarball holds dist/ and the top-level docs, and nothing else;
#   2. ESM `import` of ".", "./testing", "./testing/msw" and "./opentelemetry" resolves into the
#      tarball, and the built code runs a job end to end (ModelReins dispatches,
#      a Worker claims and completes, over HTTP to a listening createCoordinator(),
#      which also serves its web console (page, script, style);
#   3. CommonJS `require` of the same does too;
#   4. a consumer type-checks under moduleResolution node16, nodenext, bundler
#      and node10 (ESM and CJS files, strict, skipLibCheck off), and a misuse
#      (`new Worker({ concurrency: "3" })`) fails to compile with exactly the
#      expected error, not with "cannot find module";
#   5. `npx modelreins-worker --help` exits 0 from the consumer project;
#   6. the built code and the bin also run on the oldest Node that the
#      engines field promises (fetched once by npx from the npm registry).
#
# Needs a build (`npm run build`). The install itself is offline: the package
# has no dependencies, and typescript, @types/node, msw and @opentelemetry/api (optional peers) are
# linked from this repository's node_modules. Only step 6 may download (a Node
# binary, cached in ~/.npm/_npx); PACK_TEST_SKIP_FLOOR=1 skips it.
# KEEP_PACK_TEST=1 keeps the temporary directory for a post-mortem.
# Exits non-zero if any check fails, after running all of them.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/modelreins-pack-test.XXXXXX")"
trap '[[ -n "${KEEP_PACK_TEST:-}" ]] || rm -rf "$work"' EXIT

failures=0
step() { printf '\n--- pack-test: %s (at %ds)\n' "$*" "$SECONDS"; }
ok() { printf '  ok   %s\n' "$*"; }
bad() {
  printf '  FAIL %s\n' "$*" >&2
  failures=$((failures + 1))
}
die() {
  printf 'pack-test: FAIL: %s\n' "$*" >&2
  exit 1
}

for f in dist/index.js dist/index.cjs dist/testing/index.js dist/cli.js; do
  [[ -f "$root/$f" ]] || die "$f is missing: run \`npm run build\` first"
done
for dep in typescript @types/node msw @opentelemetry/api; do
  [[ -d "$root/node_modules/$dep" ]] || die "node_modules/$dep is missing: run \`npm ci\` first"
done

# ---------------------------------------------------------------------------
step "npm pack"
pack_json="$(cd "$root" && npm pack --json --pack-destination "$work" 2>"$work/pack.stderr")" ||
  die "npm pack failed: $(cat "$work/pack.stderr")"
tarball="$work/$(node -e 'process.stdout.write(JSON.parse(process.argv[1])[0].filename)' "$pack_json")"
[[ -f "$tarball" ]] || die "npm pack did not produce a tarball"
ok "$(basename "$tarball") ($(du -k "$tarball" | cut -f1) kB)"

step "tarball contents"
node - "$pack_json" <<'EOF' || failures=$((failures + 1))
const files = JSON.parse(process.argv[2])[0].files.map((f) => f.path);
const required = [
  "package.json", "README.md", "LICENSE", "CHANGELOG.md",
  "dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts",
  "dist/testing/index.js", "dist/testing/index.cjs", "dist/testing/index.d.ts", "dist/testing/index.d.cts",
  "dist/testing/msw.js", "dist/testing/msw.cjs", "dist/testing/msw.d.ts", "dist/testing/msw.d.cts",
  "dist/opentelemetry.js", "dist/opentelemetry.cjs", "dist/opentelemetry.d.ts", "dist/opentelemetry.d.cts",
  "dist/cli.js",
];
const allowed = (p) => p.startsWith("dist/") || ["package.json", "README.md", "LICENSE", "CHANGELOG.md"].includes(p);
// No source maps (readable, unminified output), and the CLI once: an ES module, run, never imported.
const unwanted = (p) => p.endsWith(".map") || /^dist\/cli\.(cjs|d\.c?ts)$/.test(p);
const missing = required.filter((p) => !files.includes(p));
const extra = files.filter((p) => !allowed(p) || unwanted(p));
for (const p of missing) console.error(`  FAIL missing from the tarball: ${p}`);
for (const p of extra) console.error(`  FAIL should not be in the tarball: ${p}`);
if (missing.length > 0 || extra.length > 0) process.exit(1);
console.log(`  ok   ${files.length} files, all under dist/ or top-level docs`);
EOF
head -c 2 "$root/dist/cli.js" | grep -q '#!' || bad "dist/cli.js has no #! line"

# ---------------------------------------------------------------------------
step "install the tarball into a fresh project"
app="$work/app"
mkdir -p "$app"
# No "type" field: .js would be CommonJS; the checks use .mjs/.cjs/.mts/.cts to be explicit.
printf '{ "name": "pack-test-app", "version": "0.0.0", "private": true }\n' >"$app/package.json"
(cd "$app" && npm install --no-audit --no-fund --no-package-lock --loglevel=error "$tarball") ||
  die "npm install of the tarball failed"
installed="$app/node_modules/modelreins-worker"
[[ -f "$installed/package.json" && ! -L "$installed" ]] || die "the tarball did not install as a real directory"
ok "installed $(node -p "require('$installed/package.json').version")"
# Dev tools for the checks below, linked rather than fetched.
mkdir -p "$app/node_modules/@types"
ln -s "$root/node_modules/typescript" "$app/node_modules/typescript"
ln -s "$root/node_modules/@types/node" "$app/node_modules/@types/node"
ln -s "$root/node_modules/msw" "$app/node_modules/msw"
mkdir -p "$app/node_modules/@opentelemetry"
ln -s "$root/node_modules/@opentelemetry/api" "$app/node_modules/@opentelemetry/api"

# ---------------------------------------------------------------------------
# A job end to end through the built code: a local coordinator listening on
# loopback, the ModelReins client dispatches a job, a Worker claims it and
# reports its result over HTTP.
cat >"$app/roundtrip.cjs" <<'EOF'
const assert = require("node:assert/strict");
module.exports = async function roundTrip({ ModelReins, Worker }, { createCoordinator }) {
  const coordinator = createCoordinator({ seed: 1 });
  await coordinator.listen();
  try {
    // The web console ships inside the built code: page, script and style.
    const page = await fetch(`${coordinator.url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<meta name="console-secret" content="[\w-]{32}">/);
    for (const asset of ["app.js", "app.css"]) {
      const res = await fetch(`${coordinator.url}/_console/${asset}`);
      assert.equal(res.status, 200);
      assert.ok((await res.text()).length > 1000, `/_console/${asset} is served`);
    }
    const admin = new ModelReins({ url: coordinator.url, token: "mr_admin_local", logLevel: "silent" });
    const job = await admin.dispatch({ prompt: "ping", assigned_to: "pack-test" });
    const worker = new Worker({
      url: coordinator.url,
      token: "mr_worker_local",
      name: "pack-test",
      pollIntervalMs: 20,
      logLevel: "silent",
    });
    const running = worker.run((j) => `pong: ${j.prompt}`, { handleSignals: false });
    const done = await coordinator.waitFor(job.id, "done", { timeoutMs: 10_000 });
    assert.equal(done.result, "pong: ping");
    await worker.stop();
    await running;
  } finally {
    await coordinator.close();
  }
};
EOF

step "ESM import under node $(node -v)"
cat >"$app/esm.mjs" <<'EOF'
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { ModelReins, Worker, WorkerError } from "modelreins-worker";
import { createCoordinator } from "modelreins-worker/testing";
import * as msw from "modelreins-worker/testing/msw";
import { traced } from "modelreins-worker/opentelemetry";
import * as root from "modelreins-worker";
import * as testing from "modelreins-worker/testing";
import roundTrip from "./roundtrip.cjs";

const installed = `${process.cwd()}/node_modules/modelreins-worker/`;
for (const [spec, file] of [
  ["modelreins-worker", "dist/index.js"],
  ["modelreins-worker/testing", "dist/testing/index.js"],
  ["modelreins-worker/testing/msw", "dist/testing/msw.js"],
  ["modelreins-worker/opentelemetry", "dist/opentelemetry.js"],
]) {
  assert.equal(import.meta.resolve(spec), new URL(file, `file://${installed}`).href, `${spec} resolves into the tarball`);
}
for (const [name, value] of Object.entries({ Worker, WorkerError, ModelReins, createCoordinator, traced })) {
  assert.equal(typeof value, "function", `${name} is a function or class`);
}
assert.ok(new WorkerError("x", { method: "GET", path: "/" }) instanceof Error, "WorkerError extends Error");
assert.ok(Object.keys(msw).length > 0, "modelreins-worker/testing/msw has exports");
const pkg = createRequire(import.meta.url)("modelreins-worker/package.json");
assert.equal(pkg.name, "modelreins-worker");
console.log("  ok   import: Worker, WorkerError, ModelReins, createCoordinator, testing/msw, opentelemetry, package.json");
// The dual-package hazard: the CommonJS build's errors are other classes, so instanceof fails; the guards must not.
const cjsRoot = createRequire(import.meta.url)("modelreins-worker");
const fromCjs = new cjsRoot.ConflictError("taken", { method: "POST", path: "/api/jobs/1/claim", status: 409 });
assert.equal(fromCjs instanceof root.ConflictError, false, "two builds, two classes");
assert.ok(root.ConflictError.is(fromCjs) && root.WorkerError.is(fromCjs), "ConflictError.is() across the builds");
assert.ok(!root.NotFoundError.is(fromCjs), "NotFoundError.is() is false for a ConflictError");
console.log("  ok   guards: ConflictError.is() and WorkerError.is() hold for an error of the CommonJS build");
await roundTrip(root, testing);
console.log("  ok   ESM build: ModelReins dispatched a job, a Worker ran it, over HTTP to createCoordinator()");
EOF
(cd "$app" && node esm.mjs) || bad "ESM import"

step "CommonJS require under node $(node -v)"
cat >"$app/cjs.cjs" <<'EOF'
const assert = require("node:assert/strict");
const path = require("node:path");
const { Worker, WorkerError, ModelReins } = require("modelreins-worker");
const { createCoordinator } = require("modelreins-worker/testing");
const msw = require("modelreins-worker/testing/msw");
const { traced } = require("modelreins-worker/opentelemetry");

const installed = path.join(process.cwd(), "node_modules", "modelreins-worker");
for (const [spec, file] of [
  ["modelreins-worker", "dist/index.cjs"],
  ["modelreins-worker/testing", "dist/testing/index.cjs"],
  ["modelreins-worker/testing/msw", "dist/testing/msw.cjs"],
  ["modelreins-worker/opentelemetry", "dist/opentelemetry.cjs"],
]) {
  assert.equal(require.resolve(spec), path.join(installed, file), `${spec} resolves into the tarball`);
}
for (const [name, value] of Object.entries({ Worker, WorkerError, ModelReins, createCoordinator, traced })) {
  assert.equal(typeof value, "function", `${name} is a function or class`);
}
assert.ok(new WorkerError("x", { method: "GET", path: "/" }) instanceof Error, "WorkerError extends Error");
assert.ok(Object.keys(msw).length > 0, "modelreins-worker/testing/msw has exports");
assert.equal(require("modelreins-worker/package.json").name, "modelreins-worker");
console.log("  ok   require: Worker, WorkerError, ModelReins, createCoordinator, testing/msw, opentelemetry, package.json");
require("./roundtrip.cjs")(require("modelreins-worker"), require("modelreins-worker/testing")).then(
  () => console.log("  ok   CJS build: ModelReins dispatched a job, a Worker ran it, over HTTP to createCoordinator()"),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
EOF
(cd "$app" && node cjs.cjs) || bad "CommonJS require"

# ---------------------------------------------------------------------------
# The consumer: what a user writes. ESM flavour (.mts); CJS flavour (.cts, for
# node16/nodenext, where TypeScript picks the "require" types; .ts for node10).
consumer_body='
const worker = new Worker({ token: "mr_worker_local", name: "pack-test", concurrency: 2, tags: ["gpu"] });
const name: string = worker.name;
async function handle(job: Job, ctx: JobContext): Promise<string> {
  ctx.signal.throwIfAborted();
  return `echo: ${job.id} ${name}`;
}
const handler: JobHandler = handle;
const options: WorkerOptions = { url: "http://127.0.0.1:1", pollIntervalMs: 1000, logLevel: "silent" };
function describe(err: unknown): string {
  if (WorkerError.is(err)) return `${err.name} ${err.method} ${err.path} ${err.status ?? "no status"}`;
  return String(err);
}
const coordinator: Coordinator = createCoordinator({ seed: 1 });
const admin = new ModelReins({ token: "mr_admin_local", url: coordinator.url, logLevel: "silent" });
const dispatched: Promise<Job> = admin.dispatch({ prompt: "summarise", priority: "high" });
const tracedHandler: JobHandler = traced(worker, handle);
export const used = [handler, options, describe, dispatched, tracedHandler] as const;
'
consumer_imports='import { type Job, type JobContext, type JobHandler, ModelReins, Worker, WorkerError, type WorkerOptions } from "modelreins-worker";
import { type Coordinator, createCoordinator } from "modelreins-worker/testing";
import { traced } from "modelreins-worker/opentelemetry";'
# msw's own types need the DOM lib (msw says so), so the msw entry point is
# checked in a project that has it.
msw_body='
import { setupServer } from "msw/node";
import { createCoordinator } from "modelreins-worker/testing";
import { mswHandlers } from "modelreins-worker/testing/msw";
export const server = setupServer(...mswHandlers(createCoordinator()));
'
mkdir -p "$app/types"
printf '%s\n%s' "$consumer_imports" "$consumer_body" >"$app/types/consumer.mts"
printf '%s\n%s' "$consumer_imports" "$consumer_body" >"$app/types/consumer.cts"
printf '%s\n%s' "$consumer_imports" "$consumer_body" >"$app/types/consumer.ts" # CommonJS: the app has no "type" field
printf '%s' "$msw_body" >"$app/types/msw.mts"
printf '%s' "$msw_body" >"$app/types/msw.cts"
printf '%s' "$msw_body" >"$app/types/msw.ts"
misuse='import { Worker } from "modelreins-worker";
// concurrency is a number: a string must not compile.
export const worker = new Worker({ concurrency: "3" });
'
printf '%s' "$misuse" >"$app/types/misuse.mts"
printf '%s' "$misuse" >"$app/types/misuse.ts"

# One project per check: strict, skipLibCheck off (so our .d.ts files are
# checked too) unless said otherwise, lib without DOM as in a plain Node
# project; msw's types need the DOM lib (msw documents it).
write_tsconfig() { # dir module moduleResolution lib skipLibCheck files...
  local dir="$1" module="$2" resolution="$3" lib="$4" skip="$5"
  shift 5
  local files
  files="$(printf '"../../types/%s",' "$@")"
  mkdir -p "$dir"
  cat >"$dir/tsconfig.json" <<EOF
{
  "compilerOptions": {
    "target": "ES2022",
    "lib": [$lib],
    "module": "$module",
    "moduleResolution": "$resolution",
    "types": ["node"],
    "strict": true,
    "exactOptionalPropertyTypes": true,
    "skipLibCheck": $skip,
    "noEmit": true
  },
  "files": [${files%,}]
}
EOF
}
tsc="$app/node_modules/typescript/bin/tsc"
projects=()
# The declaration files each consumer must get. TypeScript silently falls back
# to the next condition when a "types" target is missing (TypeScript#50762),
# so compiling is not enough: the files in the program are checked too.
declare -A expect_dts
for mode in node16 nodenext bundler node10; do
  case "$mode" in
    node16 | nodenext) module="$mode" exts=(mts cts) ;;
    bundler) module=esnext exts=(mts) ;;
    # TypeScript's old "node" resolution ignores the exports map: typesVersions
    # in package.json points it at the subpaths' types.
    node10) module=commonjs exts=(ts) ;;
  esac
  files=() msw=()
  for ext in "${exts[@]}"; do files+=("consumer.$ext") msw+=("msw.$ext"); done
  # msw >= 2.10's own .d.ts files import ESM-only packages (rettime, type-fest),
  # which TypeScript refuses from a CommonJS file under node16 (TS1479); that
  # is msw's limit, so that one project skips checking libraries' .d.ts files.
  # (nodenext, which allows require(esm), checks ours in full.)
  msw_skip=false
  [[ $mode == node16 ]] && msw_skip=true
  write_tsconfig "$app/tsc/$mode" "$module" "$mode" '"ES2022"' false "${files[@]}"
  write_tsconfig "$app/tsc/$mode-msw" "$module" "$mode" '"ES2022", "DOM"' "$msw_skip" "${msw[@]}"
  # The misuse only has to fail in user code: no need to re-check .d.ts files.
  write_tsconfig "$app/tsc/$mode-misuse" "$module" "$mode" '"ES2022"' true "misuse.${exts[0]}"
  projects+=("$mode" "$mode-msw" "$mode-misuse")
  case "$mode" in
    node16 | nodenext) dts=(d.ts d.cts) ;; # .mts gets the import types, .cts the require types
    *) dts=(d.ts) ;;                       # bundler: import; node10: "types" and typesVersions
  esac
  expect_dts[$mode]="${dts[*]/#/index.} ${dts[*]/#/testing/index.} ${dts[*]/#/opentelemetry.}"
  expect_dts[$mode-msw]="${dts[*]/#/testing/msw.}"
done

step "TypeScript $(node "$tsc" --version | cut -d' ' -f2) consumer checks (strict; skipLibCheck false unless noted)"
# ~3 s each: run them side by side, then read the results in order.
printf '%s\n' "${projects[@]}" |
  xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} sh -c 'cd "$1/{}" && node "$2" -p . --listFiles >out.txt 2>&1; echo $? >status.txt' sh "$app/tsc" "$tsc"
for project in "${projects[@]}"; do
  dir="$app/tsc/$project"
  out="$(cat "$dir/out.txt")" status="$(cat "$dir/status.txt")"
  what="$(node -p 'const c = require(process.argv[1]);
    c.files.map((f) => require("node:path").basename(f)).join(" ") + (c.compilerOptions.skipLibCheck ? " (skipLibCheck)" : "")' "$dir/tsconfig.json")"
  case "$project" in
    *-misuse)
      mode="${project%-misuse}"
      if [[ $status -eq 0 ]]; then
        bad "$mode: the misuse compiled, but \`concurrency: \"3\"\` must be a type error"
      elif grep -qE 'error TS(2307|2792|7016|2305|2614|2724)' <<<"$out"; then
        bad "$mode: the misuse failed for the wrong reason (the package or its types did not resolve):"
        printf '%s\n' "$out" | sed 's/^/       /' >&2
      elif [[ $(grep -c 'error TS' <<<"$out") -eq 1 ]] && grep -qE 'misuse\.m?ts\(3,[0-9]+\): error TS2322' <<<"$out"; then
        ok "$mode: the misuse is rejected ($what): $(grep -oE 'error TS2322: [^.]*' <<<"$out")"
      else
        bad "$mode: the misuse failed with other errors than the expected one:"
        printf '%s\n' "$out" | sed 's/^/       /' >&2
      fi
      ;;
    *)
      wrong=()
      for f in ${expect_dts[$project]}; do
        grep -qF "/node_modules/modelreins-worker/dist/$f" <<<"$out" || wrong+=("dist/$f")
      done
      if [[ $status -eq 0 && ${#wrong[@]} -gt 0 ]]; then
        bad "${project%-msw}: compiles ($what), but without ${wrong[*]}: a \"types\" target is wrong and TypeScript fell back to another. Package files in the program:"
        grep -F "/node_modules/modelreins-worker/" <<<"$out" | sed 's/^/       /' >&2
      elif [[ $status -eq 0 ]]; then
        ok "${project%-msw}: compiles: $what, with $(tr ' ' '\n' <<<"${expect_dts[$project]}" | sed 's/^/dist\//' | paste -sd, - | sed 's/,/, /g')"
      else
        bad "${project%-msw}: does not compile: $what"
        printf '%s\n' "$out" | sed 's/^/       /' >&2
      fi
      ;;
  esac
done

# ---------------------------------------------------------------------------
step "bin: npx modelreins-worker --help"
# --no: never fetch a package of that name from the registry; the local bin must answer.
if out="$(cd "$app" && npx --no -- modelreins-worker --help </dev/null 2>"$work/bin.stderr")"; then
  if [[ -n "$out" ]]; then
    ok "exit 0, $(wc -l <<<"$out") lines of help; first: $(head -1 <<<"$out")"
  else
    bad "npx modelreins-worker --help printed nothing on stdout"
  fi
else
  bad "npx modelreins-worker --help failed:"
  cat "$work/bin.stderr" >&2
  printf '%s\n' "$out" | sed 's/^/       /' >&2
fi

# ---------------------------------------------------------------------------
# The oldest Node that package.json's engines field promises. The suite itself
# cannot run there (vitest 4 needs 20.19), so this runs the same end-to-end job
# with both builds and the bin on that exact version, from the npm registry's
# `node` package (cached by npx after the first run). msw is left out: recent
# msw needs require(esm) (Node 20.19) for its own CommonJS build.
floor="$(node -p 'const r = require(process.argv[1]).engines.node; (/^>=\s*(\d+(\.\d+){0,2})$/.exec(r) || [])[1] || ""' "$root/package.json")"
if [[ -n "${PACK_TEST_SKIP_FLOOR:-}" ]]; then
  step "engines floor: skipped (PACK_TEST_SKIP_FLOOR is set)"
elif [[ -z "$floor" ]]; then
  step "engines floor"
  bad "package.json engines.node should read \">=X.Y.Z\"; got $(node -p "require('$root/package.json').engines?.node")"
else
  step "runtime on Node $floor, the engines floor (npx -p node@$floor)"
  cat >"$app/floor.mjs" <<'EOF'
import assert from "node:assert/strict";
import * as root from "modelreins-worker";
import * as testing from "modelreins-worker/testing";
import roundTrip from "./roundtrip.cjs";

await roundTrip(root, testing);
assert.equal(typeof Symbol.asyncDispose, "symbol", "Symbol.asyncDispose exists (await using worker)");
assert.equal(typeof root.Worker.prototype[Symbol.asyncDispose], "function");
console.log(`  ok   node ${process.version}: ESM build ran a job end to end; Symbol.asyncDispose is there`);
EOF
  cat >"$app/floor.cjs" <<'EOF'
require("./roundtrip.cjs")(require("modelreins-worker"), require("modelreins-worker/testing")).then(
  () => console.log(`  ok   node ${process.version}: CJS build ran a job end to end`),
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
EOF
  floor_node=(npx -y -p "node@$floor" -- node)
  if ! version="$(cd "$app" && "${floor_node[@]}" -p 'process.version' 2>"$work/floor.stderr")"; then
    bad "could not get node@$floor from the registry (set PACK_TEST_SKIP_FLOOR=1 to skip offline):"
    cat "$work/floor.stderr" >&2
  elif [[ "$version" != "v$floor"* ]]; then
    bad "npx -p node@$floor ran node $version"
  else
    (cd "$app" && "${floor_node[@]}" floor.mjs) || bad "ESM on Node $floor"
    (cd "$app" && "${floor_node[@]}" floor.cjs) || bad "CJS on Node $floor"
    if out="$(cd "$app" && "${floor_node[@]}" node_modules/modelreins-worker/dist/cli.js --help)"; then
      ok "node $version: the bin answers --help ($(head -1 <<<"$out"))"
    else
      bad "the bin on Node $floor"
    fi
  fi
fi

# ---------------------------------------------------------------------------
if [[ $failures -gt 0 ]]; then
  printf '\npack-test: FAILED (%d check(s)) in %ds\n' "$failures" "$SECONDS" >&2
  exit 1
fi
printf '\npack-test: all checks passed in %ds\n' "$SECONDS"
