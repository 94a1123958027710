import { describe, expect, it } from "vitest";
import { checkOptions, describeValue } from "../src/check-options.js";

const KNOWN = ["concurrency", "pollIntervalMs", "name"] as const;

describe("checkOptions", () => {
  it("passes known keys and treats undefined as no options", () => {
    const given = { concurrency: 2 };
    expect(checkOptions(given, KNOWN, "Worker options")).toBe(given);
    expect(checkOptions(undefined, KNOWN, "Worker options")).toEqual({});
  });

  it("names an unknown key and the closest known one", () => {
    expect(() => checkOptions({ concurency: 4 } as object, KNOWN, "Worker options")).toThrow(
      new TypeError("unknown option `concurency` in Worker options; did you mean `concurrency`?"),
    );
  });

  it("lists the known keys when nothing is close", () => {
    expect(() => checkOptions({ banana: 1 } as object, KNOWN, "Worker options")).toThrow(
      "unknown option `banana` in Worker options (known: concurrency, pollIntervalMs, name).",
    );
  });

  it("refuses a non-object where options belong, saying what it got", () => {
    expect(() => checkOptions("summarizer" as unknown as object, KNOWN, "Worker options")).toThrow(
      'Worker options must be an object such as { concurrency: ... }; got the string "summarizer".',
    );
    expect(() => checkOptions([] as object, KNOWN, "run() options")).toThrow("got an array");
    expect(() => checkOptions(null as unknown as object, KNOWN, "run() options")).toThrow("got null");
  });

  it("describes values with their type", () => {
    expect(describeValue("1000")).toBe('the string "1000"');
    expect(describeValue(2.5)).toBe("the number 2.5");
    expect(describeValue(true)).toBe("the boolean true");
    expect(describeValue(() => 1)).toBe("a function");
    expect(describeValue({})).toBe("an object");
  });
});
