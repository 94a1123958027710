/**
 * Calls go out with `redirect: "error"` (undici then neither clones the request
 * nor tees its body); a redirect is met by sending the hop again in "manual"
 * mode. Each runtime reports the redirect its own way: all are recognised.
 */
import { describe, expect, it } from "vitest";
import { isUnexpectedRedirect } from "../src/http/core.js";
import { ConnectionError, Worker } from "../src/index.js";
import { spyLogger, TOKEN, WORKER_NAME } from "./support/msw.js";

const BASE = "https://coordinator.test";

/** The errors each fetch gives for a redirect met in "error" mode (as measured on each runtime). */
const REDIRECT_ERRORS: Record<string, () => Error> = {
  "Node (undici)": () => new TypeError("fetch failed", { cause: new Error("unexpected redirect") }),
  msw: () => Object.assign(new TypeError("Failed to fetch"), { cause: "unexpected redirect" }),
  Bun: () =>
    Object.assign(new TypeError(`UnexpectedRedirect fetching "${BASE}/presence".`), { code: "UnexpectedRedirect" }),
  Deno: () => new TypeError("Fetch failed: Encountered redirect while redirect mode is set to 'error'"),
};

interface Sent {
  url: string;
  redirect: RequestRedirect | undefined;
  authorization: string | undefined;
}

/** A fetch that redirects `/presence` to `/v2/presence`, and in "error" mode throws `makeError()` instead. */
function redirectingFetch(makeError: () => Error) {
  const sent: Sent[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = String(input);
    const headers = new Headers(init.headers);
    sent.push({ url, redirect: init.redirect, authorization: headers.get("authorization") ?? undefined });
    if (url.endsWith("/v2/presence")) return Response.json({ ok: true });
    if (init.redirect === "error") throw makeError();
    return new Response(null, { status: 307, headers: { location: "/v2/presence" } });
  };
  return { sent, fetch: fetch as typeof globalThis.fetch };
}

describe("redirect: error, then manual", () => {
  for (const [runtime, makeError] of Object.entries(REDIRECT_ERRORS)) {
    it(`recognises ${runtime}'s redirect error and sends the hop again in manual mode`, async () => {
      expect(isUnexpectedRedirect(makeError())).toBe(true);
      const { sent, fetch } = redirectingFetch(makeError);
      const worker = new Worker({ token: TOKEN, url: BASE, name: WORKER_NAME, fetch, logger: spyLogger() });
      await expect(worker.heartbeat()).resolves.toEqual({ ok: true });
      expect(sent.map((s) => [s.url, s.redirect])).toEqual([
        [`${BASE}/presence`, "error"],
        [`${BASE}/presence`, "manual"],
        [`${BASE}/v2/presence`, "manual"],
      ]);
      expect(sent.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
    });
  }

  it("a connection failure is not taken for a redirect: no second send, a ConnectionError", async () => {
    const refused = () =>
      new TypeError("fetch failed", { cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }) });
    expect(isUnexpectedRedirect(refused())).toBe(false);
    const { sent, fetch } = redirectingFetch(refused);
    const worker = new Worker({
      token: TOKEN,
      url: BASE,
      name: WORKER_NAME,
      fetch,
      maxRetries: 0,
      logger: spyLogger(),
    });
    const error = await worker.heartbeat().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain("ECONNREFUSED");
    expect(sent).toHaveLength(1);
  });

  it("a fetch that ignores the mode and hands back the redirect is followed without a second send", async () => {
    const sent: string[] = [];
    const fetch = (async (input: string | URL | Request) => {
      sent.push(String(input));
      if (String(input).endsWith("/v2/presence")) return Response.json({ ok: true });
      return new Response(null, { status: 308, headers: { location: "/v2/presence" } });
    }) as typeof globalThis.fetch;
    const worker = new Worker({ token: TOKEN, url: BASE, name: WORKER_NAME, fetch, logger: spyLogger() });
    await expect(worker.heartbeat()).resolves.toEqual({ ok: true });
    expect(sent).toEqual([`${BASE}/presence`, `${BASE}/v2/presence`]);
  });
});
