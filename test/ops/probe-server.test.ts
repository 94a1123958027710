// The probe server over real HTTP on loopback, against a source made by hand; and the
// decisions behind /healthz and /readyz as pure functions.
import { createServer } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ProbeServer,
  type ProbeSource,
  resolveProbeOptions,
  startProbeServer,
} from "../../src/ops/probe-server.js";
import { liveness, type ProbeFacts, probeLimits, readiness } from "../../src/ops/probe-state.js";

const limits = probeLimits({ heartbeatIntervalMs: 5_000, pollIntervalMs: 5_000, timeoutMs: 30_000 });
const NOW = 1_000_000_000;
const running: ProbeFacts = { phase: "running", fatal: undefined, paused: false, lastTurnAt: NOW, lastAnswerAt: NOW };

describe("probe decisions", () => {
  it("derives its limits from the intervals: three heartbeats with their timeouts, three polls and a timeout", () => {
    expect(limits).toEqual({ stalledAfterMs: 105_000, unansweredAfterMs: 45_000 });
  });

  it("alive while the loop turns, also while stopping; not after a fatal error, a stop, or a long silence", () => {
    expect(liveness(running, NOW, limits)).toEqual({ ok: true, reason: "alive" });
    expect(liveness({ ...running, phase: "stopping" }, NOW, limits)).toEqual({ ok: true, reason: "alive, stopping" });
    expect(liveness({ ...running, fatal: "401 refused" }, NOW, limits)).toEqual({
      ok: false,
      reason: "the run ended on a fatal error: 401 refused",
    });
    expect(liveness({ ...running, phase: "stopped" }, NOW, limits).ok).toBe(false);
    expect(liveness(running, NOW + 105_000, limits).ok).toBe(true);
    expect(liveness(running, NOW + 105_001, limits)).toEqual({
      ok: false,
      reason: "the loop has not turned for 105 s (limit 105 s): blocked or hung",
    });
  });

  it("ready only while running, not paused, and answered lately", () => {
    expect(readiness(running, NOW, limits)).toEqual({ ok: true, reason: "ready" });
    expect(readiness({ ...running, phase: "stopping" }, NOW, limits)).toEqual({
      ok: false,
      reason: "stopping: finishing in-flight jobs",
    });
    expect(readiness({ ...running, paused: true }, NOW, limits).reason).toBe("paused by the coordinator");
    expect(readiness({ ...running, lastAnswerAt: undefined }, NOW, limits).reason).toBe(
      "the coordinator has not answered yet",
    );
    expect(readiness(running, NOW + 45_001, limits)).toEqual({
      ok: false,
      reason: "the coordinator has not answered for 45 s (limit 45 s)",
    });
    expect(readiness({ ...running, fatal: "x" }, NOW, limits).ok).toBe(false);
    expect(readiness({ ...running, phase: "idle" }, NOW, limits).reason).toBe("run() has not started yet");
    expect(liveness({ ...running, phase: "idle" }, NOW, limits).ok).toBe(true);
  });
});

describe("probe options", () => {
  it("defaults to port 8001 on loopback, and true means the defaults", () => {
    expect(resolveProbeOptions(true)).toEqual({ port: 8001, host: "127.0.0.1" });
    expect(resolveProbeOptions({ port: 0, host: "0.0.0.0" })).toEqual({ port: 0, host: "0.0.0.0" });
  });

  it("refuses what it cannot use, saying what to pass", () => {
    expect(() => resolveProbeOptions({ prot: 9000 } as never)).toThrow(
      "unknown option `prot` in probes options; did you mean `port`?",
    );
    expect(() => resolveProbeOptions({ port: "9000" } as never)).toThrow(
      'probes.port must be a whole number from 0 to 65535 (0: any free port); got the string "9000".',
    );
    expect(() => resolveProbeOptions({ port: 70_000 })).toThrow("got the number 70000");
    expect(() => resolveProbeOptions({ host: "" })).toThrow('probes.host must be an address such as "127.0.0.1"');
    expect(() => resolveProbeOptions("yes" as never)).toThrow("probes options must be an object");
  });
});

describe("the probe server", () => {
  let server: ProbeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  function source(facts: Partial<ProbeFacts> = {}): ProbeSource & { current: ProbeFacts } {
    const state = { current: { ...running, lastTurnAt: Date.now(), lastAnswerAt: Date.now(), ...facts } };
    return Object.assign(state, {
      snapshot: () => ({ facts: state.current, status: { state: state.current.phase, inHand: [] } }),
      limits,
      metrics: () => "# HELP x_total X.\n# TYPE x_total counter\nx_total 3\n",
    });
  }

  it("answers /healthz and /readyz with the verdict and the status as JSON, and /metrics as Prometheus text", async () => {
    const src = source();
    server = await startProbeServer(src, 0, "127.0.0.1");
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await health.json()).toEqual({ ok: true, reason: "alive", status: { state: "running", inHand: [] } });
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await metrics.text()).toContain("x_total 3");

    src.current = { ...src.current, phase: "stopping" };
    const ready = await fetch(`${server.url}/readyz?verbose=1`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ok: false, reason: "stopping: finishing in-flight jobs" });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("answers 404 for any other path, 405 for another method, and HEAD without a body", async () => {
    server = await startProbeServer(source(), 0, "127.0.0.1");
    const missing = await fetch(`${server.url}/health`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe("Not found. The probe server answers /healthz, /readyz, /metrics.\n");
    const post = await fetch(`${server.url}/readyz`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    const head = await fetch(`${server.url}/healthz`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("answers 500 with the reason when the source throws", async () => {
    const src = source();
    src.metrics = () => {
      throw new Error("broken gauge");
    };
    server = await startProbeServer(src, 0, "127.0.0.1");
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("The probe failed: broken gauge\n");
  });

  it("a port in use is a clear error naming the port", async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const port = (other.address() as { port: number }).port;
    try {
      await expect(startProbeServer(source(), port, "127.0.0.1")).rejects.toThrow(
        `The probe server cannot listen on 127.0.0.1:${port}: port ${port} is in use (another worker or server on this machine?): pass another in probes: { port }.`,
      );
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it("close() ends kept-alive connections and frees the port", async () => {
    server = await startProbeServer(source(), 0, "127.0.0.1");
    const { port, url } = server;
    await (await fetch(`${url}/healthz`)).text(); // leaves a keep-alive socket open
    await server.close();
    server = undefined;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    server = await startProbeServer(source(), port, "127.0.0.1");
    expect(server.port).toBe(port);
  });
});
