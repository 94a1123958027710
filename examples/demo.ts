/**
 * The one-command demo (`npm run demo`): a local coordinator on loopback, the
 * image-generation worker in its own process, three jobs dispatched through
 * the admin client, and their results checked end to end. Offline; exits 0
 * when everything worked.
 *
 * `npm run demo -- --keep` leaves the coordinator and the worker running after
 * the checks, so the jobs, artifacts and reviews stay visible in the web
 * console (the URL it prints) until Ctrl+C.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { ModelReins } from "modelreins-worker";
import { createCoordinator } from "modelreins-worker/testing";

const PROMPTS = ["a lighthouse at dusk", "a field of sunflowers", "the northern lights"];
const WORKER_NAME = "image-bot";
const PNG_SIGNATURE = "89504e470d0a1a0a";

const say = (line: string) => console.log(line);
const args = process.argv.slice(2);
const KEEP = args.includes("--keep");
const unknown = args.filter((arg) => arg !== "--keep");
if (unknown.length > 0) {
  console.error(`Demo: unknown argument ${JSON.stringify(unknown[0])}; the demo takes one option, --keep.`);
  process.exit(2);
}

async function main(): Promise<void> {
  const coordinator = createCoordinator();
  coordinator.on((event) => {
    if (event.type === "claim") say(`  coordinator: job ${event.job.id} claimed by ${event.worker}`);
    if (event.type === "artifact") say(`  coordinator: artifact stored at ${event.absoluteUrl}`);
    if (event.type === "review") say(`  coordinator: review #${event.review.id} ${event.action}`);
    if (event.type === "complete") say(`  coordinator: job ${event.job.id} ${event.status}`);
  });
  const listener = await coordinator.listen({ port: 0 });
  say(`Local coordinator listening at ${listener.url}`);
  say(`Console: ${listener.url}/${KEEP ? "" : "  (add --keep to keep it open after the demo)"}`);

  const worker = startWorker(listener.url, coordinator.workerToken);
  try {
    await waitUntil(
      () => coordinator.presence().some((p) => p.instance === WORKER_NAME),
      15_000,
      "the worker's first heartbeat",
    );
    say(`Worker "${WORKER_NAME}" is online (pid ${worker.pid})\n`);

    const admin = new ModelReins({ url: listener.url, token: coordinator.adminToken, logLevel: "warn" });
    const jobs = [];
    for (const prompt of PROMPTS) {
      const job = await admin.dispatch({ prompt, priority: "normal" });
      say(`Dispatched job ${job.id} to ${job.assigned_to}: "${prompt}"`);
      jobs.push(job);
    }

    say("");
    for (const { id } of jobs) {
      const job = await admin.jobs.wait(id, { pollIntervalMs: 100, maxWaitMs: 30_000 });
      if (job.status !== "done") throw new Error(`job ${id} ended ${job.status}: ${String(job.result)}`);
      const result = JSON.parse(String(job.result)) as { artifact_url: string; review_id: number; bytes: number };
      const image = await fetch(result.artifact_url);
      const bytes = Buffer.from(await image.arrayBuffer());
      if (!image.ok || bytes.subarray(0, 8).toString("hex") !== PNG_SIGNATURE) {
        throw new Error(`the artifact of job ${id} at ${result.artifact_url} is not a PNG (HTTP ${image.status})`);
      }
      say(
        `Job ${id} done: ${result.artifact_url} (${image.headers.get("content-type")}, ${bytes.length} bytes), review #${result.review_id}`,
      );
    }

    say("\nReview queue:");
    for (const review of coordinator.reviews()) {
      say(`  #${review.id} [${review.status}] ${review.title}: "${review.content}" preview ${review.preview}`);
    }
    if (KEEP) {
      say(`\nEverything checked. The console at ${listener.url}/ shows the jobs; Ctrl+C to stop.`);
      await untilInterrupted();
    }
  } finally {
    worker.kill("SIGTERM");
    const [code] = (await once(worker, "exit")) as [number | null];
    say(`\nWorker stopped (exit code ${code}); coordinator closing.`);
    await listener.close();
  }
  say("Demo finished: every job done, every artifact a PNG, every review pending.");
}

/** Runs the example worker as its own process, the way a user runs it. */
function startWorker(url: string, token: string): ChildProcess {
  const script = fileURLToPath(new URL("./image-generation-worker.ts", import.meta.url));
  // process.execArgv carries tsx's loader, so the child runs TypeScript as this process does.
  const child = spawn(process.execPath, [...process.execArgv, script], {
    env: { ...process.env, MODELREINS_URL: url, MODELREINS_TOKEN: token, WORKER_NAME, MODELREINS_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding("utf8");
    stream?.on("data", (text: string) => {
      for (const line of text.split("\n").filter(Boolean)) say(`  worker: ${line}`);
    });
  }
  return child;
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`Demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
