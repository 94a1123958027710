// The HTTP core's per-call observer: one observation per call (retries included), with the
// route name, the duration and the error; none at all when it is not set.
import { describe, expect, it } from "vitest";
import { ConflictError, InternalServerError } from "../../src/errors.js";
import { type CallObservation, HttpCore, type HttpCoreConfig } from "../../src/http/core.js";
import { resolveRoutes } from "../../src/routes.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function core(answers: Array<() => Response>, onCall?: HttpCoreConfig["onCall"]) {
  let i = 0;
  const calls: string[] = [];
  const fetch = (async (url: URL) => {
    calls.push(url.pathname);
    return (answers[Math.min(i++, answers.length - 1)] as () => Response)();
  }) as unknown as typeof globalThis.fetch;
  const http = new HttpCore({
    baseUrl: "http://coordinator.localhost",
    token: "t0ken-value",
    timeoutMs: 1_000,
    maxRetries: 2,
    fetch,
    routes: resolveRoutes(),
    logger: silent,
    random: () => 0,
    onCall,
  });
  return { http, calls };
}

const ok = () => Response.json({ ok: true });
const status = (code: number) => () => Response.json({ error: "x" }, { status: code, headers: { "retry-after": "0" } });

describe("the HTTP core's call observer", () => {
  it("sees one call, retries included, with its route and duration", async () => {
    const seen: CallObservation[] = [];
    const { http, calls } = core([status(503), status(503), ok], (call) => seen.push(call));
    await expect(http.request("heartbeat", { json: {} })).resolves.toEqual({ ok: true });
    expect(calls).toHaveLength(3);
    expect(seen).toEqual([{ route: "heartbeat", durationMs: expect.any(Number) }]);
    expect(seen[0]?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("sees the error a call ends with, and the call still throws it", async () => {
    const seen: CallObservation[] = [];
    const { http } = core([status(409)], (call) => seen.push(call));
    await expect(http.request("claim", { params: { id: 7 }, json: {} })).rejects.toBeInstanceOf(ConflictError);
    const { http: failing } = core([status(500)], (call) => seen.push(call));
    await expect(failing.request("inbox")).rejects.toBeInstanceOf(InternalServerError);
    expect(seen.map((call) => [call.route, (call.error as Error).name])).toEqual([
      ["claim", "ConflictError"],
      ["inbox", "InternalServerError"],
    ]);
  });

  it("is optional: without it the call is the same", async () => {
    const { http } = core([ok]);
    await expect(http.request("heartbeat", { json: {} })).resolves.toEqual({ ok: true });
  });
});
