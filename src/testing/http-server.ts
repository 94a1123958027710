/**
 * Serves the coordinator over real HTTP on a loopback address with node:http:
 * node requests become WHATWG Requests (bodies streamed, not buffered here),
 * Responses are streamed back. A dropped connection destroys the socket; a
 * stalled request holds it until the client closes it or the server closes.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { checkOptions, describeValue, optionKeys } from "../check-options.js";
import { DroppedConnection } from "./faults.js";
import { allowedHosts, refuseHost } from "./host-check.js";

/** Options of `coordinator.listen()`. */
export interface ListenOptions {
  /**
   * The port; 0 picks a free one.
   * @default 0
   */
  port?: number;
  /**
   * A loopback address: the local coordinator is for tests and development,
   * and never listens on a public interface.
   * @default "127.0.0.1"
   */
  host?: string;
}

/** A running HTTP listener. */
export interface Listener {
  /** The base URL, such as `http://127.0.0.1:53211`; the web console is at `${url}/`. */
  readonly url: string;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

export type RequestHandler = (request: Request, signal: AbortSignal) => Promise<Response>;

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

const LISTEN_OPTION_KEYS = optionKeys<ListenOptions>({ port: true, host: true });

export async function startHttpServer(handler: RequestHandler, given?: ListenOptions): Promise<Listener> {
  const options = checkOptions(given, LISTEN_OPTION_KEYS, "listen() options");
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  if (!isLoopback(host)) {
    throw new TypeError(
      `listen: host must be a loopback address (127.0.0.1, ::1, localhost); got ${describeValue(host)}.`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError(`listen: port must be an integer from 0 to 65535; got ${describeValue(port)}.`);
  }
  const closing = new AbortController();
  const server = createServer((req, res) => {
    const refused = refuseHost(req.headers.host, hosts);
    if (refused !== undefined) {
      // 421 Misdirected Request, and no CORS headers: nothing about the coordinator reaches that page.
      res.writeHead(421, { "content-type": "application/json", connection: "close" });
      res.end(JSON.stringify({ error: refused }));
      return;
    }
    void serve(handler, base, req, res, closing.signal);
  });
  server.listen(port, host);
  await once(server, "listening");
  const address = server.address() as AddressInfo;
  const base = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  const hosts = allowedHosts(address.address, address.family, address.port);

  let closed: Promise<void> | undefined;
  return {
    url: base,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort(new Error("the local coordinator's HTTP listener closed"));
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

async function serve(
  handler: RequestHandler,
  base: string,
  req: IncomingMessage,
  res: ServerResponse,
  closing: AbortSignal,
): Promise<void> {
  const gone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) gone.abort(new Error("the client closed the connection"));
  });
  try {
    const response = await handler(toRequest(base, req), AbortSignal.any([gone.signal, closing]));
    await writeResponse(res, response);
  } catch (error) {
    if (error instanceof DroppedConnection || gone.signal.aborted || closing.aborted) {
      req.socket.destroy();
      return;
    }
    if (!res.headersSent) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `local coordinator bug: ${String(error)}` }));
    } else {
      req.socket.destroy();
    }
  }
}

function toRequest(base: string, req: IncomingMessage): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  const init: RequestInit & { duplex?: "half" } = { method, headers };
  if (hasBody) {
    init.body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>;
    init.duplex = "half";
  }
  return new Request(new URL(req.url ?? "/", base), init);
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  // A refused upload may still be arriving: close the connection rather than read it all.
  if (response.status === 413) headers.connection = "close";
  res.writeHead(response.status, headers);
  if (response.body !== null) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (res.destroyed) return;
      if (!res.write(chunk)) {
        await new Promise<void>((resolve) => {
          // Both listeners go once either fires, so long downloads do not pile them up.
          const done = () => {
            res.off("drain", done);
            res.off("close", done);
            resolve();
          };
          res.on("drain", done);
          res.on("close", done);
        });
      }
    }
  }
  res.end();
}
