/**
 * Regenerates the README's screenshots of the web console (`npm run
 * console:screenshots`): the example image worker does three jobs, one review
 * is approved, and Chromium photographs the jobs list, a job with its image
 * and the review queue into docs/console/.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { launchBrowser, startScene } from "../test/browser/support.js";

const OUT = fileURLToPath(new URL("../docs/console/", import.meta.url));
const PROMPTS = ["a lighthouse at dusk", "a field of sunflowers", "the northern lights"];

const scene = await startScene();
const browser = await launchBrowser();
try {
  const { coordinator } = scene;
  const jobs = PROMPTS.map((prompt) => coordinator.dispatch({ prompt }));
  for (const job of jobs) await coordinator.waitFor(job.id, "done", { timeoutMs: 60_000 });
  coordinator.approveReview(1, "crisp");
  coordinator.createJob({ prompt: "a quiet harbour, watercolour", priority: "low" });

  mkdirSync(OUT, { recursive: true });
  const page = await browser.context.newPage();
  const shoot = async (hash: string, ready: string, file: string) => {
    await page.goto(`${scene.listener.url}/${hash}`);
    await page.locator(ready).first().waitFor();
    // Images decoded, the live indicator connected: what a person would see.
    await page.waitForFunction(
      () =>
        Array.from(document.images).every((img) => img.complete && img.naturalWidth > 0) &&
        document.getElementById("live")?.textContent === "live",
    );
    await page.screenshot({ path: `${OUT}${file}` });
    console.log(`wrote docs/console/${file}`);
  };
  await shoot("#/jobs", 'tr[data-status="done"]', "jobs.png");
  await shoot("#/jobs/1", "img.artifact-image", "job.png");
  await shoot("#/reviews", "li.card img.preview", "reviews.png");
} finally {
  await browser.close();
  await scene.close();
}
