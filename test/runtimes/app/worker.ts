/**
 * A worker as the README starts one: connection from MODELREINS_URL and
 * MODELREINS_TOKEN, signals handled by `run()`. Its name is its first
 * argument. Each job's prompt is how many milliseconds it takes; the line
 * `started <id>` on stdout says a handler is running.
 *
 * Run with exactly the README's Deno permissions, so that those are known
 * to suffice.
 */
import { Worker } from "modelreins-worker";

const worker = new Worker({ name: process.argv[2] ?? "runtime-worker", pollIntervalMs: 50 });

await worker.run(async (job) => {
  console.log(`started ${job.id}`);
  const ms = Number(job.prompt);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return `slept ${ms} ms`;
});
