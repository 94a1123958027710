/**
 * `mr.killswitch` and `mr.cost`: exact requests and the checks of level and period.
 */
import { describe, expect, it } from "vitest";
import { InvalidResponseError } from "../../src/index.js";
import { client, setupMockCoordinator } from "./support.js";

const mock = setupMockCoordinator();

describe("killswitch", () => {
  it("activate() sends POST /tenant/killswitch with { level, reason }", async () => {
    const answer = {
      killswitch: { active: true, level: 2, reason: "runaway" },
      cancelled_jobs: [1],
      paused_workers: 3,
    };
    mock.on("POST /tenant/killswitch", () => answer);
    expect(await client().mr.killswitch.activate({ level: 2, reason: "runaway" })).toEqual(answer);
    expect(mock.seen[0]).toMatchObject({
      method: "POST",
      path: "/tenant/killswitch",
      search: "",
      json: { level: 2, reason: "runaway" },
    });
  });

  it("activate() accepts levels 0 to 4 only, and needs a reason", async () => {
    mock.on("POST /tenant/killswitch", () => ({}));
    const { mr } = client();
    await mr.killswitch.activate({ level: 0, reason: "drill" });
    await mr.killswitch.activate({ level: 4, reason: "drill" });
    expect(mock.seen).toHaveLength(2);
    for (const level of [5, -1, 1.5, "2", undefined]) {
      await expect(mr.killswitch.activate({ level, reason: "r" } as never)).rejects.toThrow(
        /killswitch.activate: level must be a whole number from 0 to 4/,
      );
    }
    await expect(mr.killswitch.activate({ level: 1 } as never)).rejects.toThrow(
      "killswitch.activate: reason must be a non-empty string; got nothing.",
    );
    expect(mock.seen).toHaveLength(2);
  });

  it("clear() sends POST /tenant/killswitch/clear, with ?resume_all=true only when resume_all", async () => {
    mock.on("POST /tenant/killswitch/clear", () => ({ killswitch: { active: false }, resumed_workers: 0 }));
    const { mr } = client();
    expect(await mr.killswitch.clear()).toMatchObject({ killswitch: { active: false } });
    await mr.killswitch.clear({ resume_all: true });
    await mr.killswitch.clear({ resume_all: false });
    expect(mock.seen.map((s) => [s.method, s.path, s.search, s.text])).toEqual([
      ["POST", "/tenant/killswitch/clear", "", ""],
      ["POST", "/tenant/killswitch/clear", "?resume_all=true", ""],
      ["POST", "/tenant/killswitch/clear", "", ""],
    ]);
    await expect(mr.killswitch.clear({ resume_all: "yes" } as never)).rejects.toThrow(TypeError);
  });

  it("reads an empty answer as {} and refuses a non-object", async () => {
    mock.on("POST /tenant/killswitch/clear", (_, n) => (n === 1 ? new Response(null, { status: 204 }) : [1]));
    const { mr } = client();
    expect(await mr.killswitch.clear()).toEqual({});
    await expect(mr.killswitch.clear()).rejects.toBeInstanceOf(InvalidResponseError);
  });
});

describe("cost", () => {
  it("summary() sends GET /api/cost/summary?period=", async () => {
    const answer = { period: "week", currency: "USD", total_cost: 1.5, jobs: 3 };
    mock.on("GET /api/cost/summary", () => answer);
    const { mr } = client();
    expect(await mr.cost.summary({ period: "week" })).toEqual(answer);
    await mr.cost.summary();
    expect(mock.seen.map((s) => [s.method, s.path, s.search, s.headers.authorization !== undefined])).toEqual([
      ["GET", "/api/cost/summary", "?period=week", true],
      ["GET", "/api/cost/summary", "", true],
    ]);
  });

  it("breakdown() sends GET /api/cost/breakdown?period=", async () => {
    const answer = { period: "month", breakdown: [{ provider: "openai", model: "gpt", cost: 2 }] };
    mock.on("GET /api/cost/breakdown", () => answer);
    expect(await client().mr.cost.breakdown({ period: "month" })).toEqual(answer);
    expect(mock.seen[0]).toMatchObject({ method: "GET", path: "/api/cost/breakdown", query: { period: "month" } });
  });

  it("accepts day, week or month only", async () => {
    const { mr } = client();
    await expect(mr.cost.summary({ period: "year" } as never)).rejects.toThrow(
      'cost.summary: period must be one of day, week, month; got the string "year".',
    );
    await expect(mr.cost.breakdown({ period: 7 } as never)).rejects.toThrow(TypeError);
    expect(mock.seen).toHaveLength(0);
  });
});
