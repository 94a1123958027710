// The loop's verdicts on failed calls: pure functions, no network, no timers.
import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  InternalServerError,
  InvalidResponseError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  type WorkerErrorInit,
} from "../src/index.js";
import {
  classifyClaimFailure,
  classifyDeliveryFailure,
  classifyLoopFailure,
  outageDelay,
  redeliveryDelay,
} from "../src/run-loop/classify.js";

const init = (status: number | undefined, attempts = 1): WorkerErrorInit => ({
  status,
  method: "POST",
  path: "/api/jobs/1/claim",
  attempts,
});

describe("classifyClaimFailure", () => {
  it("409: skip the job (another worker's); after a retry, also look for it among our running jobs", () => {
    expect(classifyClaimFailure(new ConflictError("taken", init(409)))).toEqual({
      action: "skip",
      why: "taken",
      lookForOrphans: false,
    });
    expect(classifyClaimFailure(new ConflictError("taken", init(409, 2)))).toEqual({
      action: "skip",
      why: "taken",
      lookForOrphans: true,
    });
  });

  it("400, 404, 410, 422: refused for this job alone, skip it without backing off", () => {
    for (const error of [
      new BadRequestError("bad", init(400)),
      new NotFoundError("gone", init(404)),
      new BadRequestError("gone", init(410)),
      new BadRequestError("unprocessable", init(422)),
    ]) {
      expect(classifyClaimFailure(error), String(error.status)).toEqual({
        action: "skip",
        why: "refused",
        lookForOrphans: false,
      });
    }
  });

  it("no answer, or an unreadable 2xx: back off, and look for orphans (the claim may have landed)", () => {
    expect(classifyClaimFailure(new ConnectionError("reset", init(undefined)))).toEqual({
      action: "back-off",
      lookForOrphans: true,
    });
    expect(classifyClaimFailure(new InternalServerError("boom", init(503)))).toEqual({
      action: "back-off",
      lookForOrphans: true,
    });
    expect(classifyClaimFailure(new InvalidResponseError("not json", init(200)))).toEqual({
      action: "back-off",
      lookForOrphans: true,
    });
  });

  it("403 and 401 concern the worker: back off (the loop decides 401 is fatal), no orphans to look for", () => {
    expect(classifyClaimFailure(new PermissionDeniedError("paused", init(403)))).toEqual({
      action: "back-off",
      lookForOrphans: false,
    });
    expect(classifyClaimFailure(new AuthenticationError("token", init(401)))).toEqual({
      action: "back-off",
      lookForOrphans: false,
    });
  });
});

describe("classifyDeliveryFailure", () => {
  const fresh = { keptBefore: false, outOfTime: false };
  const kept = { keptBefore: true, outOfTime: false };

  it("a stop's deadline passed: out of time, whatever the error", () => {
    expect(
      classifyDeliveryFailure(new AuthenticationError("x", init(401)), { keptBefore: false, outOfTime: true }),
    ).toEqual({ action: "out-of-time" });
  });

  it("an unreadable 2xx counts as delivered; an unreadable 5xx is retried", () => {
    expect(classifyDeliveryFailure(new InvalidResponseError("x", init(200)), fresh)).toEqual({
      action: "delivered",
      why: "took-it",
    });
    expect(classifyDeliveryFailure(new InvalidResponseError("x", init(502)), fresh)).toEqual({ action: "retry" });
  });

  it("409 after a retry, or for a kept result, counts as delivered; a first 409 drops the result (the job is no longer ours)", () => {
    expect(classifyDeliveryFailure(new ConflictError("x", init(409, 3)), fresh)).toEqual({
      action: "delivered",
      why: "retried",
    });
    expect(classifyDeliveryFailure(new ConflictError("x", init(409)), kept)).toEqual({
      action: "delivered",
      why: "sent-again",
    });
    expect(classifyDeliveryFailure(new ConflictError("x", init(409)), fresh)).toEqual({ action: "dropped" });
  });

  it("no answer, 5xx, 429: retried; 404: given up; 401: given up and fatal", () => {
    expect(classifyDeliveryFailure(new ConnectionError("x", init(undefined)), fresh)).toEqual({ action: "retry" });
    expect(classifyDeliveryFailure(new InternalServerError("x", init(503)), kept)).toEqual({ action: "retry" });
    expect(classifyDeliveryFailure(new RateLimitError("x", init(429)), fresh)).toEqual({ action: "retry" });
    expect(classifyDeliveryFailure(new NotFoundError("x", init(404)), fresh)).toEqual({
      action: "give-up",
      fatal: false,
    });
    expect(classifyDeliveryFailure(new AuthenticationError("x", init(401)), fresh)).toEqual({
      action: "give-up",
      fatal: true,
    });
  });
});

describe("classifyLoopFailure", () => {
  it("a call cut off by a stop ends the loop; an answer during a stop still counts", () => {
    expect(classifyLoopFailure(new DOMException("aborted", "AbortError"), true)).toBe("stop");
    expect(classifyLoopFailure(new AuthenticationError("x", init(401)), true)).toBe("fatal");
    expect(classifyLoopFailure(new InternalServerError("x", init(503)), true)).toBe("back-off");
  });

  it("401 is fatal; anything else backs off", () => {
    expect(classifyLoopFailure(new AuthenticationError("x", init(401)), false)).toBe("fatal");
    expect(classifyLoopFailure(new ConnectionError("x", init(undefined)), false)).toBe("back-off");
    expect(classifyLoopFailure(new Error("odd"), false)).toBe("back-off");
  });

  it("a runtime's permission refusal (Deno without --allow-net) is fatal: it never heals", () => {
    const refusal = Object.assign(new Error('Requires net access to "x"'), { name: "NotCapable" });
    const error = new ConnectionError("x", {
      ...init(undefined),
      cause: new TypeError("fetch failed", { cause: refusal }),
    });
    expect(classifyLoopFailure(error, false)).toBe("fatal");
  });
});

describe("delays", () => {
  it("an outage's wait is half fixed, half jittered, doubling to 30 s", () => {
    expect([0, 1, 2, 4, 5, 10].map((n) => outageDelay(n, () => 0))).toEqual([500, 1_000, 2_000, 8_000, 15_000, 15_000]);
    expect([0, 1, 2, 5, 6].map((n) => outageDelay(n, () => 1))).toEqual([1_000, 2_000, 4_000, 30_000, 30_000]);
  });

  it("a kept result waits a second at least, more after each failure", () => {
    expect([0, 1, 3].map((n) => redeliveryDelay(n, () => 0))).toEqual([1_000, 1_000, 1_000]);
    expect([0, 1, 3].map((n) => redeliveryDelay(n, () => 1))).toEqual([2_000, 3_000, 9_000]);
  });
});
