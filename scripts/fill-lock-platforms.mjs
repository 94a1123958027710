#!/usr/bin/env node
/**
 * Adds package-lock.json entries for optional platform packages (rollup's
 * `@rollup/rollup-<os>-<cpu>`, biome's `@biomejs/cli-<os>-<cpu>`, ...) that the
 * lock lacks.
 *
 * Why: npm leaves such a package out of the lock when the registry it resolved
 * against does not serve that version (a partial mirror does this), and
 * `npm ci` then refuses the lock ("Missing: @rollup/rollup-darwin-arm64@ from
 * lock file") on every machine. The entries added here carry the version the
 * parent pins and the package's `os`/`cpu`/`libc`, so npm skips them on other
 * platforms and fetches them by name and version where they apply; they have
 * no `integrity` when the registry could not provide one.
 *
 * Run it after `npm install` changed the lock: `node scripts/fill-lock-platforms.mjs`.
 * It changes nothing when the lock is complete; `--check` only reports.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const LOCK = new URL("../package-lock.json", import.meta.url);
const check = process.argv.includes("--check");
const lock = JSON.parse(readFileSync(LOCK, "utf8"));
const packages = lock.packages;

/** Where node would find `name` from the package at `from` (a lock key), or undefined. */
function resolve(from, name) {
  for (let dir = from; ; ) {
    const key = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (packages[key]) return key;
    if (dir === "") return undefined;
    const cut = dir.lastIndexOf("/node_modules/");
    dir = cut === -1 ? "" : dir.slice(0, cut);
  }
}

function npmView(spec) {
  try {
    const out = execFileSync("npm", ["view", spec, "os", "cpu", "libc", "dist.integrity", "--json"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return out.trim() === "" ? undefined : JSON.parse(out);
  } catch {
    return undefined;
  }
}

const OS = ["android", "darwin", "freebsd", "linux", "openbsd", "openharmony", "netbsd", "sunos", "aix", "win32"];
const CPU = ["arm64", "arm", "x64", "ia32", "loong64", "ppc64", "riscv64", "s390x", "mips64el"];

/** The platform a package name says, for packages the registry does not know at all. */
function fromName(name) {
  const parts = name.split("/").pop().split("-");
  const os = OS.find((o) => parts.includes(o));
  const cpu = CPU.find((c) => parts.includes(c));
  if (!os || !cpu) return undefined;
  const libc = os !== "linux" ? undefined : parts.some((p) => p.startsWith("musl")) ? "musl" : "glibc";
  return { os: [os], cpu: [cpu], ...(libc ? { libc: [libc] } : {}) };
}

const added = [];
const unknown = [];
for (const [key, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    if (resolve(key, name)) continue;
    if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) {
      unknown.push(`${name}@${spec} (from ${key || "the root"}): not an exact version`);
      continue;
    }
    const exact = npmView(`${name}@${spec}`);
    const platform = exact ?? npmView(name) ?? fromName(name);
    if (!platform?.os || !platform?.cpu) {
      unknown.push(`${name}@${spec} (from ${key || "the root"}): no os/cpu known`);
      continue;
    }
    const target = packages[`node_modules/${name}`] ? `${key}/node_modules/${name}` : `node_modules/${name}`;
    packages[target] = {
      version: spec,
      ...(exact?.["dist.integrity"] ? { integrity: exact["dist.integrity"] } : {}),
      cpu: [].concat(platform.cpu),
      ...(entry.dev ? { dev: true } : {}),
      ...(platform.libc ? { libc: [].concat(platform.libc) } : {}),
      optional: true,
      os: [].concat(platform.os),
    };
    added.push(`${target}@${spec}${exact ? "" : " (not on this registry: no integrity)"}`);
  }
}

for (const line of added) console.log(`${check ? "missing" : "added"}: ${line}`);
for (const line of unknown) console.error(`cannot fill: ${line}`);
if (!check && added.length > 0) {
  const sorted = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)),
  );
  lock.packages = sorted;
  writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(`${added.length} entr${added.length === 1 ? "y" : "ies"} ${check ? "missing" : "added"}.`);
if (unknown.length > 0 || (check && added.length > 0)) process.exit(1);
