// Which environment variables the clients read: only what they need, so a runtime that grants them
// one by one (`deno run --allow-env=MODELREINS_TOKEN`) is never asked for another.
import { describe, expect, it } from "vitest";
import { createHttpCore } from "../src/options.js";

/** An environment that records every name read, as Deno's permission check would see them. */
function watchedEnv(values: Record<string, string>): { env: NodeJS.ProcessEnv; read: string[] } {
  const read: string[] = [];
  const env = new Proxy(values, {
    get(target, name) {
      if (typeof name === "string") read.push(name);
      return target[name as string];
    },
  });
  return { env, read };
}

const options = { url: "http://127.0.0.1:8787", logLevel: "silent" } as const;

describe("the environment a client reads", () => {
  it("reads no token variable when the token option is given", () => {
    const { env, read } = watchedEnv({ MODELREINS_TOKEN: "from-env" });
    createHttpCore({ ...options, token: "given" }, "worker", env);
    expect(read).toEqual([]);
  });

  it("reads the admin token variables in order and stops at the first one set", () => {
    const first = watchedEnv({ MODELREINS_ADMIN_TOKEN: "admin-token" });
    createHttpCore(options, "admin", first.env);
    expect(first.read).toEqual(["MODELREINS_ADMIN_TOKEN"]);
    const second = watchedEnv({ MODELREINS_API_KEY: "api-key" });
    createHttpCore(options, "admin", second.env);
    expect(second.read).toEqual(["MODELREINS_ADMIN_TOKEN", "MODELREINS_API_KEY"]);
  });

  it("reads MODELREINS_URL and MODELREINS_LOG_LEVEL only when their options are not given", () => {
    const { env, read } = watchedEnv({ MODELREINS_TOKEN: "t0ken" });
    createHttpCore({}, "worker", env);
    expect(new Set(read)).toEqual(new Set(["MODELREINS_LOG_LEVEL", "MODELREINS_TOKEN", "MODELREINS_URL"]));
  });
});
