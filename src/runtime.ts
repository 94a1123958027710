/**
 * What differs between the runtimes the SDK runs on (Node.js, Bun, Deno): only
 * how each one names itself. The code paths are the same on all three; Bun and
 * Deno both report a Node.js version in `process.versions.node`, so the
 * User-Agent would otherwise call every worker a Node.js one.
 */

/** The runtime and its version, as a User-Agent product: `node/20.19.0`, `bun/1.4.5`, `deno/2.9.6`. */
export function runtimeProduct(global: object = globalThis): string {
  const { Bun, Deno } = global as { Bun?: { version?: unknown }; Deno?: { version?: { deno?: unknown } } };
  if (typeof Bun?.version === "string") return `bun/${Bun.version}`;
  if (typeof Deno?.version?.deno === "string") return `deno/${Deno.version.deno}`;
  return `node/${process.versions.node}`;
}
