/**
 * The probe server: a small `node:http` server answering `/healthz`,
 * `/readyz` and `/metrics` for an orchestrator and a scraper. It knows
 * nothing of the worker: it asks a {@link ProbeSource} at each request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkOptions, describeValue, optionKeys } from "../check-options.js";
import { errorMessage } from "../errors.js";
import { liveness, type ProbeFacts, type ProbeLimits, type ProbeVerdict, readiness } from "./probe-state.js";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus.js";

/** Options of the probe server (`probes` in `WorkerOptions`). */
export interface ProbeOptions {
  /**
   * The TCP port; `0` takes any free one (see `worker.probeUrl`).
   * @default 8001
   */
  port?: number | undefined;
  /**
   * The address to listen on. Loopback by default, so nothing outside the machine
   * (or the pod) sees it; in a container set `"0.0.0.0"` for the kubelet to reach it.
   * @default "127.0.0.1"
   */
  host?: string | undefined;
}

/** The probe paths, as the deployment example and the README name them. */
export const PROBE_PATHS = { health: "/healthz", ready: "/readyz", metrics: "/metrics" } as const;

/** The default port of the probe server. */
export const DEFAULT_PROBE_PORT = 8001;

const PROBE_OPTION_KEYS = optionKeys<ProbeOptions>({ port: true, host: true });

/** What the server asks at each request. */
export interface ProbeSource {
  /**
   * One snapshot: the facts `/healthz` and `/readyz` decide on, and the worker's status (the JSON
   * body of the probes), taken together so the body shows the moment the verdict was made on.
   */
  snapshot(): { facts: ProbeFacts; status: unknown };
  readonly limits: ProbeLimits;
  /** The Prometheus exposition text of `/metrics`. */
  metrics(): string;
}

/** A listening probe server. */
export interface ProbeServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  /** Lets the process exit while the server still answers (after a fatal error). */
  unref(): void;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
}

/** Checks `probes` options into a port and a host, with messages that say what to pass. */
export function resolveProbeOptions(value: ProbeOptions | boolean): { port: number; host: string } {
  const options = checkOptions(value === true ? {} : (value as ProbeOptions), PROBE_OPTION_KEYS, "probes options");
  const { port = DEFAULT_PROBE_PORT, host = "127.0.0.1" } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError(
      `probes.port must be a whole number from 0 to 65535 (0: any free port); got ${describeValue(port)}.`,
    );
  }
  if (typeof host !== "string" || host.trim() === "") {
    throw new TypeError(`probes.host must be an address such as "127.0.0.1" or "0.0.0.0"; got ${describeValue(host)}.`);
  }
  return { port, host };
}

/**
 * Starts the server. Rejects with a message naming the address when it cannot
 * listen there (a port in use, a port that needs privileges).
 */
export async function startProbeServer(source: ProbeSource, port: number, host: string): Promise<ProbeServer> {
  const server = createServer((request, response) => answer(source, request, response));
  // A probe is one short request: don't let idle keep-alive sockets hold a stop.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${bound}`,
    port: bound,
    unref: () => server.unref(),
    close: () => close(server),
  };
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  const why =
    error.code === "EADDRINUSE"
      ? `port ${port} is in use (another worker or server on this machine?): pass another in probes: { port }`
      : error.code === "EACCES"
        ? `port ${port} needs privileges: use a port above 1023`
        : error.code === "EADDRNOTAVAIL"
          ? `${host} is not an address of this machine: pass probes: { host: "127.0.0.1" } or "0.0.0.0"`
          : error.message;
  return new Error(`The probe server cannot listen on ${where}: ${why}.`, { cause: error });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function answer(source: ProbeSource, request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? "/").split("?")[0];
  const known = Object.values(PROBE_PATHS) as string[];
  if (path === undefined || !known.includes(path)) {
    send(
      response,
      request,
      404,
      "text/plain; charset=utf-8",
      `Not found. The probe server answers ${known.join(", ")}.\n`,
    );
    return;
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("allow", "GET, HEAD");
    send(response, request, 405, "text/plain; charset=utf-8", `${request.method} is not allowed here; use GET.\n`);
    return;
  }
  try {
    if (path === PROBE_PATHS.metrics) {
      send(response, request, 200, PROMETHEUS_CONTENT_TYPE, source.metrics());
      return;
    }
    const decide = path === PROBE_PATHS.health ? liveness : readiness;
    const { facts, status } = source.snapshot();
    const verdict: ProbeVerdict = decide(facts, Date.now(), source.limits);
    const body = `${JSON.stringify({ ok: verdict.ok, reason: verdict.reason, status }, null, 2)}\n`;
    send(response, request, verdict.ok ? 200 : 503, "application/json; charset=utf-8", body);
  } catch (error) {
    const message = errorMessage(error);
    send(response, request, 500, "text/plain; charset=utf-8", `The probe failed: ${message}\n`);
  }
}

function send(response: ServerResponse, request: IncomingMessage, status: number, type: string, body: string): void {
  response.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  response.end(request.method === "HEAD" ? undefined : body);
}
