import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConnectionError, InternalServerError, PermissionDeniedError } from "../src/errors.js";
import { FailureLog, failureCause, shortFailure } from "../src/failure-log.js";
import type { Logger } from "../src/logger.js";

interface Line {
  level: string;
  text: string;
  at: number;
}

function recordingLogger(lines: Line[]): Logger {
  const at = (level: string) => (text: string) => lines.push({ level, text, at: Date.now() });
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

function refused(path = "/my-jobs"): ConnectionError {
  return new ConnectionError(`GET ${path} could not reach the coordinator at http://127.0.0.1:8799 (ECONNREFUSED).`, {
    method: "GET",
    path,
    cause: Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } }),
  });
}

const FULL =
  "GET /my-jobs could not reach the coordinator at http://127.0.0.1:8799 (ECONNREFUSED). Nothing is listening…";

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Fails `cause` every `everyMs` for `forMs` of fake time. */
function failFor(log: FailureLog, forMs: number, everyMs: number, error: unknown = refused()): void {
  for (let t = 0; t < forMs; t += everyMs) {
    log.failed(failureCause(error), "error", FULL, shortFailure(error));
    vi.advanceTimersByTime(everyMs);
  }
}

describe("FailureLog", () => {
  it("a cause failing every second for a minute writes two lines, the first in full", () => {
    const lines: Line[] = [];
    failFor(new FailureLog(recordingLogger(lines)), 60_000, 1_000);
    expect(lines.map((line) => line.at)).toEqual([0, 30_000]);
    expect(lines.map((line) => line.level)).toEqual(["error", "error"]);
    expect(lines[0]?.text).toBe(FULL);
    expect(lines[1]?.text).toBe("GET /my-jobs: ConnectionError (ECONNREFUSED) (still failing: 31 times in 30 s)");
  });

  it("the waits between short lines double, up to the ceiling", () => {
    const lines: Line[] = [];
    failFor(new FailureLog(recordingLogger(lines)), 60 * 60_000, 1_000);
    // 30 s, then 1, 2, 4, 8 min, then every 10 min.
    const at = lines.map((line) => line.at / 1000);
    expect(at).toEqual([0, 30, 90, 210, 450, 930, 1530, 2130, 2730, 3330]);
    expect(lines[9]?.text).toContain("still failing: 3331 times in 56 min");
  });

  it("a heartbeat and an inbox refused alike are one cause; another cause gets its own full line", () => {
    const lines: Line[] = [];
    const log = new FailureLog(recordingLogger(lines));
    for (const error of [refused("/my-jobs"), refused("/presence"), refused("/my-jobs")]) {
      log.failed(failureCause(error), "warn", error.message, shortFailure(error));
    }
    const other = new InternalServerError("GET /my-jobs failed with HTTP 502: bad gateway", {
      method: "GET",
      path: "/my-jobs",
      status: 502,
    });
    log.failed(failureCause(other), "warn", other.message, shortFailure(other));
    log.failed(failureCause(other), "warn", other.message, shortFailure(other));
    expect(lines.map((line) => line.text)).toEqual([refused().message, other.message]);
    expect(shortFailure(other)).toBe("GET /my-jobs: HTTP 502");
  });

  it("after recovered(), the next failure is logged in full again", () => {
    const lines: Line[] = [];
    const log = new FailureLog(recordingLogger(lines));
    expect(log.recovered()).toBe(false);
    failFor(log, 10_000, 1_000);
    expect(log.recovered()).toBe(true);
    failFor(log, 10_000, 1_000);
    expect(lines.map((line) => line.text)).toEqual([FULL, FULL]);
  });

  it("tells causes apart by class, status and network code", () => {
    const forbidden = (status: number) => new PermissionDeniedError("x", { method: "GET", path: "/my-jobs", status });
    expect(failureCause(forbidden(403))).toBe("PermissionDeniedError 403");
    expect(failureCause(refused())).toBe("ConnectionError ECONNREFUSED");
    expect(failureCause(new TypeError("boom"))).toBe("TypeError");
    expect(failureCause("a string")).toBe("thrown string");
  });
});
