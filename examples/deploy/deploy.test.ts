// Keeps the deployment example honest: the Kubernetes manifest and the Dockerfile name the probe
// paths and the port the code serves, the grace period fits shutdownGraceMs by the README's rule,
// and the example worker, run as deployed, answers its probes.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createCoordinator } from "modelreins-worker/testing";
import { describe, expect, it } from "vitest";
import { DEFAULT_PROBE_PORT, PROBE_PATHS } from "../../src/ops/probe-server.js";
import { createWorker, handle, PROBE_PORT, SHUTDOWN_GRACE_MS } from "./worker.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const read = (path: string) => readFileSync(join(here, path), "utf8");
const manifest = read("kubernetes.yaml");
const dockerfile = read("Dockerfile");

/** The value of `key:` in the block of the manifest that starts at `block:` (indentation-scoped). */
function field(block: string, key: string): string | undefined {
  const lines = manifest.split("\n");
  const start = lines.findIndex((line) => line.trim() === `${block}:` || line.trim() === `- ${block}:`);
  if (start === -1) return undefined;
  const indent = (lines[start] as string).search(/\S/);
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "" || line.trim().startsWith("#")) continue;
    if (line.search(/\S/) <= indent) break;
    const match = new RegExp(`^\\s*(?:- )?${key.replace(/[./]/g, "\\$&")}: *(.+)$`).exec(line);
    if (match) return (match[1] as string).replace(/^"|"$/g, "");
  }
  return undefined;
}

describe("examples/deploy", () => {
  it("probes the paths the probe server answers, on the port the worker listens on", () => {
    expect(field("readinessProbe", "path")).toBe(PROBE_PATHS.ready);
    expect(field("livenessProbe", "path")).toBe(PROBE_PATHS.health);
    expect(field("readinessProbe", "port")).toBe("probes");
    expect(field("livenessProbe", "port")).toBe("probes");
    expect(field("ports", "name")).toBe("probes");
    expect(Number(field("ports", "containerPort"))).toBe(PROBE_PORT);
    expect(PROBE_PORT).toBe(DEFAULT_PROBE_PORT);
    expect(Number(field("annotations", "prometheus.io/port"))).toBe(PROBE_PORT);
    expect(field("annotations", "prometheus.io/path")).toBe(PROBE_PATHS.metrics);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${PROBE_PORT}$`, "m"));
  });

  it("gives a stop the time the README says it takes: shutdownGraceMs plus the final steps", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const rules = [...readme.matchAll(/A stop takes up to `shutdownGraceMs` plus about (\d+) s/g)].map((m) =>
      Number(m[1]),
    );
    expect(rules.length, "the README states how long a stop takes").toBeGreaterThan(0);
    expect(new Set(rules).size, "every place the README states it agrees").toBe(1);
    const overheadS = rules[0] as number;
    const grace = Number(manifest.match(/^\s*terminationGracePeriodSeconds: (\d+)$/m)?.[1]);
    expect(grace).toBeGreaterThanOrEqual(SHUTDOWN_GRACE_MS / 1_000 + overheadS);
    expect(manifest).toContain(
      `${SHUTDOWN_GRACE_MS / 1_000} + ${overheadS} = ${SHUTDOWN_GRACE_MS / 1_000 + overheadS} s, within ${grace} s`,
    );
  });

  it("takes the token from a Secret and runs as the image's non-root user", () => {
    expect(manifest).toMatch(
      /- name: MODELREINS_TOKEN\n\s+valueFrom:\n\s+secretKeyRef:\n\s+name: modelreins-worker\n\s+key: token/,
    );
    expect(manifest).not.toMatch(/mr_[a-z]+_/); // no token written into the manifest
    expect(field("securityContext", "runAsNonRoot")).toBe("true");
    expect(field("securityContext", "runAsUser")).toBe("1000"); // the node user of the official image
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  it("builds a slim image with production dependencies only, from files that exist", () => {
    const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(stages.length).toBeGreaterThan(0);
    for (const image of stages) expect(image).toMatch(/^node:\d+-slim$/);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(dockerfile).toMatch(/^CMD \["node", "worker\.mjs"\]$/m);
    for (const [, from] of dockerfile.matchAll(/^COPY (examples\/\S+)/gm)) {
      expect(existsSync(join(root, from as string)), from).toBe(true);
    }
    const pkg = JSON.parse(read("package.json"));
    const lock = JSON.parse(read("package-lock.json"));
    expect(lock.packages[""].dependencies).toEqual(pkg.dependencies);
    expect(lock.packages["node_modules/modelreins-worker"].version).toBe(
      JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version,
    );
  });

  it("the example worker, as deployed, answers its probes and runs a job", async () => {
    const coordinator = createCoordinator({ seed: 5 });
    const listener = await coordinator.listen({ port: 0 });
    const worker = createWorker({
      url: listener.url,
      token: coordinator.workerToken,
      name: "deployed",
      pollIntervalMs: 10,
      probes: { port: 0 }, // any free port on loopback for the test; the deployment keeps PROBE_PORT
      logLevel: "silent",
    });
    try {
      const running = worker.run(handle, { handleSignals: false });
      const job = coordinator.createJob({ prompt: "hello", assigned_to: "deployed" });
      expect((await coordinator.waitFor(job.id, "done")).result).toBe("echo: hello");
      for (const path of [field("readinessProbe", "path"), field("livenessProbe", "path")]) {
        expect((await fetch(`${worker.probeUrl}${path}`)).status, path).toBe(200);
      }
      expect(await (await fetch(`${worker.probeUrl}${PROBE_PATHS.metrics}`)).text()).toContain(
        "modelreins_worker_jobs_completed_total 1",
      );
      await worker.stop();
      await running;
    } finally {
      await worker.stop();
      await listener.close();
      await coordinator.close();
    }
  });
});
