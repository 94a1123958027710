import { describe, expect, it } from "vitest";
import { call, MODES, startHarness, useHarness } from "./support.js";

function artifactForm(bytes: Uint8Array, fields: Record<string, string> = {}): FormData {
  const form = new FormData();
  form.append("file", new Blob([bytes as BlobPart], { type: "image/png" }), "chart.png");
  form.append("content_type", "image/png");
  form.append("filename", "chart.png");
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
}

describe.each(MODES)("artifacts (%s mode)", (mode) => {
  const h = useHarness(mode);

  it("stores an upload and serves it back at /s/<slug> without a token", async () => {
    const job = h.coordinator.createJob({ prompt: "x" });
    const bytes = new Uint8Array([137, 80, 78, 71, 0, 1, 2, 255]);
    const res = await call(h, "POST", "/api/artifacts", { body: artifactForm(bytes, { job_id: String(job.id) }) });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      success: true,
      slug: expect.stringMatching(/^[0-9a-z]{10}$/),
      url: `/s/${res.body.slug}`,
      content_type: "image/png",
      size_bytes: 8,
      filename: "chart.png",
    });

    const served = await h.fetch(`${h.base}${res.body.url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes);
    expect(h.coordinator.artifacts()[0]).toMatchObject({ job_id: job.id, bytes });

    expect((await call(h, "GET", "/s/nope", { as: "none" })).status).toBe(404);
  });

  it("checks the multipart parts", async () => {
    const noFile = new FormData();
    noFile.append("content_type", "text/plain");
    noFile.append("filename", "a.txt");
    expect((await call(h, "POST", "/api/artifacts", { body: noFile })).body.error).toMatch(/"file".*required/);

    const textFile = new FormData();
    textFile.append("file", "just text");
    textFile.append("content_type", "text/plain");
    textFile.append("filename", "a.txt");
    expect((await call(h, "POST", "/api/artifacts", { body: textFile })).body.error).toMatch(/file part/);

    const unknownJob = await call(h, "POST", "/api/artifacts", {
      body: artifactForm(new Uint8Array(1), { job_id: "42" }),
    });
    expect(unknownJob.status).toBe(400);
    expect(unknownJob.body.error).toMatch(/no job 42/);

    const extra = await call(h, "POST", "/api/artifacts", { body: artifactForm(new Uint8Array(1), { colour: "red" }) });
    expect(extra.body.error).toMatch(/unknown part "colour"/);

    const json = await call(h, "POST", "/api/artifacts", { json: { file: "x" } });
    expect(json.status).toBe(415);
  });

  it("answers 413 past maxBodyBytes", async () => {
    const small = await startHarness(mode, { maxBodyBytes: 1024 });
    try {
      const res = await call(small, "POST", "/api/artifacts", { body: artifactForm(new Uint8Array(4096)) });
      expect(res.status).toBe(413);
      expect(res.body.error).toMatch(/limit of 1024 bytes/);
    } finally {
      await small.coordinator.close();
    }
  });
});

describe("artifact expiry", () => {
  it("answers 410 once expires_at has passed", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const h = await startHarness("fetch", { now: () => now });
    const res = await call(h, "POST", "/api/artifacts", {
      body: artifactForm(new Uint8Array(1), { expires_at: "2026-01-01T01:00:00Z" }),
    });
    expect((await call(h, "GET", res.body.url, { as: "none" })).status).toBe(200);
    now += 2 * 3_600_000;
    expect((await call(h, "GET", res.body.url, { as: "none" })).status).toBe(410);
  });
});

describe.each(MODES)("reviews (%s mode)", (mode) => {
  const h = useHarness(mode);

  it("queues a review, then approves or rejects it", async () => {
    const job = h.coordinator.createJob({ prompt: "x" });
    const res = await call(h, "POST", "/api/reviews", {
      json: { type: "diff", title: "Patch", content: "+1 -1", preview: "https://x/s/a", job_id: job.id },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: 1, status: "pending", mode: "review" });
    const second = await call(h, "POST", "/api/reviews", { json: { type: "text", title: "Other", content: "" } });

    const decisions: string[] = [];
    h.coordinator.on((event) => {
      if (event.type === "review") decisions.push(`${event.review.id}:${event.action}`);
    });
    expect(h.coordinator.approveReview(1, "looks good")).toMatchObject({ status: "approved", note: "looks good" });
    expect(h.coordinator.rejectReview(second.body.id, "no")).toMatchObject({ status: "rejected", note: "no" });
    expect(() => h.coordinator.approveReview(1)).toThrow(/already approved/);
    expect(() => h.coordinator.approveReview(9)).toThrow(/no review 9/);
    expect(decisions).toEqual(["1:approved", "2:rejected"]);
    expect(h.coordinator.reviews().map((r) => [r.id, r.status, r.job_id])).toEqual([
      [1, "approved", job.id],
      [2, "rejected", null],
    ]);
  });

  it("checks the review body", async () => {
    const noTitle = await call(h, "POST", "/api/reviews", { json: { type: "diff", content: "x" } });
    expect(noTitle.status).toBe(400);
    expect(noTitle.body.error).toMatch(/"title" is required/);
    const badJob = await call(h, "POST", "/api/reviews", {
      json: { type: "diff", title: "t", content: "x", job_id: 7 },
    });
    expect(badJob.body.error).toMatch(/no job 7/);
    const adminToken = await call(h, "POST", "/api/reviews", {
      as: "admin",
      json: { type: "d", title: "t", content: "x" },
    });
    expect(adminToken.status).toBe(403);
  });
});
