/**
 * msw request handlers that let a local coordinator answer every request to
 * its URL, for tests that already use msw (`setupServer` from `msw/node`).
 * msw is an optional peer dependency: only this module imports it.
 *
 * @example
 * import { setupServer } from "msw/node";
 * import { createCoordinator } from "modelreins-worker/testing";
 * import { mswHandlers } from "modelreins-worker/testing/msw";
 *
 * const coordinator = createCoordinator();
 * const server = setupServer(...mswHandlers(coordinator));
 * server.listen({ onUnhandledRequest: "error" });
 *
 * @module modelreins-worker/testing/msw
 */
import { http, HttpResponse, type HttpHandler } from "msw";
import type { Coordinator } from "./coordinator.js";

/**
 * Handlers for every method and path under `coordinator.url` (read once, now:
 * create them after `listen()` to intercept the listening URL instead). A
 * dropped connection (fault injection) becomes msw's network error.
 */
export function mswHandlers(coordinator: Pick<Coordinator, "url" | "fetch">): HttpHandler[] {
  return [
    http.all(`${coordinator.url}/*`, async ({ request }) => {
      try {
        return await coordinator.fetch(request);
      } catch (error) {
        if (request.signal.aborted) throw error;
        return HttpResponse.error();
      }
    }),
  ];
}
