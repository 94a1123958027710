/**
 * What differs between the runtimes the SDK runs on (Node.js, Bun, Deno): how
 * each one names itself (Bun and Deno both report a Node.js version in
 * `process.versions.node`, so the User-Agent would otherwise call every worker
 * a Node.js one), and Deno's permissions. The code paths are the same on all
 * three.
 */

/** The runtime and its version, as a User-Agent product: `node/20.19.0`, `bun/1.4.5`, `deno/2.9.6`. */
export function runtimeProduct(global: object = globalThis): string {
  const { Bun, Deno } = global as { Bun?: { version?: unknown }; Deno?: { version?: { deno?: unknown } } };
  if (typeof Bun?.version === "string") return `bun/${Bun.version}`;
  if (typeof Deno?.version?.deno === "string") return `deno/${Deno.version.deno}`;
  return `node/${process.versions.node}`;
}

/**
 * Whether an error (or one of its causes) is a refusal by the runtime's own
 * permissions rather than by the network or the coordinator: Deno's
 * `NotCapable`, as when `deno run` lacks the `--allow-net` or `--allow-env` a
 * call needs. Asking again never helps, so nothing retries it.
 */
export function isPermissionRefusal(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === "object"; depth++) {
    if ((current as { name?: unknown }).name === "NotCapable") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
