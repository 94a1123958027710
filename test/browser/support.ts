/**
 * What the console's browser test and its screenshot script share: Debian's
 * Chromium driven by playwright-core (no browser download), and a local
 * coordinator with the example image worker running as its own process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Coordinator, createCoordinator, type Listener } from "modelreins-worker/testing";
import { type BrowserContext, chromium } from "playwright-core";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const WORKER_NAME = "image-bot";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium with a fresh profile, removed again on close. */
export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH to another build.`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "modelreins-console-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface Scene {
  coordinator: Coordinator;
  listener: Listener;
  worker: ChildProcess;
  /** What the worker printed so far, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

/** A coordinator on a free loopback port and the example image worker, online. */
export async function startScene(): Promise<Scene> {
  const coordinator = createCoordinator();
  const listener = await coordinator.listen({ port: 0 });
  const worker = spawn(process.execPath, ["--import", "tsx", "examples/image-generation-worker.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_OPTIONS: "",
      MODELREINS_URL: listener.url,
      MODELREINS_TOKEN: coordinator.workerToken,
      WORKER_NAME,
      MODELREINS_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  worker.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  worker.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  while (!coordinator.presence().some((p) => p.instance === WORKER_NAME)) {
    if (worker.exitCode !== null || Date.now() > deadline) {
      worker.kill("SIGKILL");
      await coordinator.close();
      throw new Error(`the image worker did not come online; it printed:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    coordinator,
    listener,
    worker,
    output: () => output,
    async close() {
      if (worker.exitCode === null) {
        worker.kill("SIGTERM");
        await once(worker, "exit");
      }
      await coordinator.close();
    },
  };
}
