/**
 * A worker as the README starts one: connection from MODELREINS_URL and
 * MODELREINS_TOKEN, signals handled by `run()`. Its name is its first
 * argument; without one, it takes the default `<hostname>-<pid>`. Each job's prompt is how many milliseconds it takes; the line
 * `started <id>` on stdout says a handler is running.
 *
 * Run with exactly the README's Deno permissions, so that those are known
 * to suffice.
 */
import { Worker } from "modelreins-worker";

const name = process.argv[2];
const worker = new Worker({ ...(name ? { name } : {}), pollIntervalMs: 50 });

await worker.run(async (job) => {
  console.log(`started ${job.id}`);
  const ms = Number(job.prompt);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return `slept ${ms} ms`;
});
