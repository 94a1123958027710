import { describe, expect, it } from "vitest";
import { closest, didYouMean, editDistance } from "../src/suggest.js";

describe("suggest", () => {
  it("measures edits, counting an adjacent swap as one", () => {
    expect(editDistance("concurency", "concurrency")).toBe(1);
    expect(editDistance("stauts", "status")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });

  it("suggests the closest known name for a typo, and nothing for a stranger", () => {
    const known = ["concurrency", "pollIntervalMs", "heartbeatIntervalMs", "token"];
    expect(closest("concurency", known)).toBe("concurrency");
    expect(closest("pollInterval", known)).toBe("pollIntervalMs");
    expect(closest("POLLINTERVALMS", known)).toBe("pollIntervalMs");
    expect(closest("banana", known)).toBeUndefined();
    expect(didYouMean("tokn", known)).toBe("; did you mean `token`?");
    expect(didYouMean("zzz", known)).toBe("");
  });
});
