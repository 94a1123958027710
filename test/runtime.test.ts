import { describe, expect, it } from "vitest";
import { runtimeProduct } from "../src/runtime.js";

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
