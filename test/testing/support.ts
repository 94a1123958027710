/**
 * Shared helpers for the local coordinator's tests: a harness that talks to a
 * coordinator either through `coordinator.fetch` or through a real HTTP
 * listener on port 0, and a small `call()` that sends JSON with a token.
 */

import { type Coordinator, type CoordinatorOptions, createCoordinator } from "modelreins-worker/testing";
import { afterEach, beforeEach } from "vitest";

export type Mode = "fetch" | "http";
export const MODES: readonly Mode[] = ["fetch", "http"];

export interface Harness {
  coordinator: Coordinator;
  /** The base URL requests go to. */
  base: string;
  /** The fetch that reaches it: `coordinator.fetch`, or the global fetch over HTTP. */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
}

export async function startHarness(mode: Mode, options?: CoordinatorOptions): Promise<Harness> {
  const coordinator = createCoordinator(options);
  if (mode === "fetch") return { coordinator, base: coordinator.url, fetch: coordinator.fetch };
  const listener = await coordinator.listen();
  return { coordinator, base: listener.url, fetch: globalThis.fetch };
}

/**
 * Registers beforeEach/afterEach that start a fresh harness and close it.
 * Returns an object whose fields are filled before each test.
 */
export function useHarness(mode: Mode, options?: CoordinatorOptions | (() => CoordinatorOptions)): Harness {
  const current = {} as Harness;
  beforeEach(async () => {
    Object.assign(current, await startHarness(mode, typeof options === "function" ? options() : options));
  });
  afterEach(async () => {
    await current.coordinator.close();
  });
  return current;
}

export interface CallOptions {
  /** Which token to send: the admin one, the worker one, none, or a literal one. @default "worker" */
  as?: "admin" | "worker" | "none" | { token: string };
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface CallResult {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the body was not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
  body: any;
}

export async function call(h: Harness, method: string, path: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  const as = options.as ?? "worker";
  if (as === "admin") headers.authorization = `Bearer ${h.coordinator.adminToken}`;
  else if (as === "worker") headers.authorization = `Bearer ${h.coordinator.workerToken}`;
  else if (as !== "none") headers.authorization = `Bearer ${as.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(options.json);
  }
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = body;
  if (options.signal !== undefined) init.signal = options.signal;
  const response = await h.fetch(`${h.base}${path}`, init);
  const text = await response.text();
  const isJson = response.headers.get("content-type")?.startsWith("application/json") ?? false;
  return { status: response.status, headers: response.headers, body: isJson ? JSON.parse(text) : undefined };
}

/** A heartbeat from `instance` with the worker token. */
export function heartbeat(h: Harness, instance: string, status = "active"): Promise<CallResult> {
  return call(h, "PUT", "/presence", { json: { instance, status, tags: "" } });
}
