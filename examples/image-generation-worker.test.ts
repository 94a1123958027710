// How to test your own handler: a real Worker against the in-memory coordinator, no network.
import { Worker } from "modelreins-worker";
import { createCoordinator } from "modelreins-worker/testing";
import { expect, test } from "vitest";
import { generateImage } from "./image-generation-worker.js";

test("draws a PNG, uploads it and submits it for review", async () => {
  const coordinator = createCoordinator();
  await using worker = new Worker({ ...coordinator.workerOptions(), name: "image-bot", logLevel: "silent" });
  const job = coordinator.createJob({ prompt: "a red fox in the snow", assigned_to: worker.name });

  void worker.run(generateImage);
  const done = await coordinator.waitFor(job.id, "done");

  const result = JSON.parse(done.result ?? "");
  const image = await coordinator.fetch(result.artifact_url);
  expect(image.headers.get("content-type")).toBe("image/png");
  expect(coordinator.reviews()).toMatchObject([
    { id: result.review_id, status: "pending", preview: result.artifact_url },
  ]);
});
