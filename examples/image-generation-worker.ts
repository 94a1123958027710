/**
 * A complete image-generation worker: draws a PNG from each job's prompt,
 * uploads it as an artifact and puts it in the human review queue.
 *
 * Run it against a coordinator (for instance `npx modelreins-worker dev`):
 *   MODELREINS_URL=http://127.0.0.1:8787 MODELREINS_TOKEN=mr_worker_local npx tsx examples/image-generation-worker.ts
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { type Job, type JobContext, Worker } from "modelreins-worker";
import { encodePng } from "./png.js";

const SIZE = 128;

/** Draws a deterministic picture for a prompt: colours and rings from its hash. */
export function drawPrompt(prompt: string): Buffer {
  const hash = createHash("sha256").update(prompt).digest();
  const [r1, g1, b1, r2, g2, b2] = hash as unknown as number[];
  const rings = 2 + ((hash[6] as number) % 6);
  const pixels = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const distance = Math.hypot(x - SIZE / 2, y - SIZE / 2) / (SIZE / 2);
      const t = (Math.sin(distance * rings * Math.PI) + 1) / 2;
      const i = (y * SIZE + x) * 3;
      pixels[i] = Math.round((r1 as number) * t + (r2 as number) * (1 - t));
      pixels[i + 1] = Math.round((g1 as number) * t + (g2 as number) * (1 - t));
      pixels[i + 2] = Math.round((b1 as number) * t + (b2 as number) * (1 - t));
    }
  }
  return encodePng(SIZE, SIZE, pixels);
}

/** The handler: image → artifact → review. Its return value is the job's result. */
export async function generateImage(job: Job, { worker, signal }: JobContext) {
  const png = drawPrompt(job.prompt);
  signal.throwIfAborted();
  const artifact = await worker.uploadArtifact(png, "image/png", { job_id: job.id }, { signal });
  const url = worker.artifactUrl(artifact);
  const review = await worker.submitReview("image", `Image for job ${job.id}`, job.prompt, {
    preview: url,
    job_id: job.id,
  });
  return { artifact_url: url, review_id: review.id, bytes: png.length };
}

// Run as a script (not when imported by a test or the demo).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const worker = new Worker({ name: process.env.WORKER_NAME ?? "image-bot", tags: ["images", "png"] });
  await worker.run(generateImage, {
    onError: (job, error) => console.error(`job ${job.id} failed:`, error),
  });
}
