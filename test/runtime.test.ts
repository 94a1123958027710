import { describe, expect, it } from "vitest";
import { isRetryableError } from "../src/http/core.js";
import { ConnectionError } from "../src/index.js";
import { isPermissionRefusal, runtimeProduct } from "../src/runtime.js";

describe("runtimeProduct", () => {
  it("names Node.js by its version when there is no other runtime", () => {
    expect(runtimeProduct({})).toBe(`node/${process.versions.node}`);
    expect(runtimeProduct()).toBe(`node/${process.versions.node}`);
  });

  it("names Bun and Deno by their own versions, not the Node.js version they report", () => {
    expect(runtimeProduct({ Bun: { version: "1.4.5" } })).toBe("bun/1.4.5");
    expect(runtimeProduct({ Deno: { version: { deno: "2.9.6", v8: "15.0" } } })).toBe("deno/2.9.6");
  });

  it("ignores a global of that name that is not the runtime's", () => {
    expect(runtimeProduct({ Bun: "a bun", Deno: { version: "2" } })).toBe(`node/${process.versions.node}`);
  });
});

/** What Deno throws when a permission is missing. */
class NotCapable extends Error {
  override name = "NotCapable";
}
const refusal = new NotCapable('Requires net access to "127.0.0.1:8787", run again with the --allow-net flag');
const call = { method: "PUT", path: "/presence" };

describe("isPermissionRefusal", () => {
  it("recognises Deno's NotCapable, also as the cause of a fetch error and of a ConnectionError", () => {
    expect(isPermissionRefusal(refusal)).toBe(true);
    const fetchError = new TypeError("fetch failed", { cause: refusal });
    expect(isPermissionRefusal(new ConnectionError("no", { ...call, cause: fetchError }))).toBe(true);
  });

  it("does not mistake network errors or other errors for one", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    expect(
      isPermissionRefusal(new ConnectionError("no", { ...call, cause: new TypeError("x", { cause: reset }) })),
    ).toBe(false);
    expect(isPermissionRefusal(new Error("NotCapable"))).toBe(false);
    expect(isPermissionRefusal(undefined)).toBe(false);
    expect(isPermissionRefusal("NotCapable")).toBe(false);
  });

  it("makes a connection error final: the HTTP core does not retry it", () => {
    expect(isRetryableError(new ConnectionError("no", { ...call, cause: refusal }))).toBe(false);
    expect(isRetryableError(new ConnectionError("no", { ...call, cause: new TypeError("fetch failed") }))).toBe(true);
  });
});
