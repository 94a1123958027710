// The documented proxy set-up: undici's ProxyAgent as the global dispatcher routes the SDK's calls through it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { Worker } from "modelreins-worker";
import { createCoordinator } from "modelreins-worker/testing";
import { getGlobalDispatcher, ProxyAgent, setGlobalDispatcher } from "undici";
import { afterAll, beforeAll, expect, test } from "vitest";

const tunnels: string[] = [];
let proxy: http.Server;
let proxyUrl: string;
const previous = getGlobalDispatcher();

beforeAll(async () => {
  // A minimal CONNECT proxy: ProxyAgent tunnels every request, http and https alike.
  proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? "");
    const [host, port] = (req.url ?? "").split(":");
    const upstream = net.connect(Number(port), host as string, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  setGlobalDispatcher(previous);
  await new Promise((resolve) => proxy.close(resolve));
});

test("a worker's calls go through undici's ProxyAgent set as the global dispatcher", async () => {
  const coordinator = createCoordinator();
  const listener = await coordinator.listen({ port: 0 });
  try {
    setGlobalDispatcher(new ProxyAgent(proxyUrl));
    const worker = new Worker({
      url: listener.url,
      token: coordinator.workerToken,
      name: "proxied",
      logLevel: "silent",
    });
    await worker.heartbeat("online");
    expect(coordinator.presence()).toMatchObject([{ instance: "proxied", status: "online" }]);
    expect(tunnels).toContain(new URL(listener.url).host);
  } finally {
    setGlobalDispatcher(previous);
    await listener.close();
  }
});
