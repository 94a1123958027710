// The web console in headless Chromium, the whole flow of issue 13: a user at the page, the example image worker at work.
import { request as httpRequest } from "node:http";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Browser, launchBrowser, type Scene, startScene, WORKER_NAME } from "./support.js";

let scene: Scene;
let browser: Browser;
let page: Page;
let base: string;
const pageErrors: string[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  scene = await startScene();
  browser = await launchBrowser();
  base = scene.listener.url;
  page = await browser.context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
});

afterAll(async () => {
  await browser?.close();
  await scene?.close();
});

/** Marks the loaded document, so a later check can tell that no reload happened. */
async function markDocument(): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { consoleMark: number }).consoleMark = 1;
  });
}
async function stillSameDocument(): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { consoleMark?: number }).consoleMark === 1);
}
function naturalWidth(selector: string): Promise<number> {
  return page
    .locator(selector)
    .first()
    .evaluate((img) => (img as HTMLImageElement).naturalWidth);
}

test("an empty coordinator shows the empty state", async () => {
  await page.goto(`${base}/`);
  await expect
    .poll(() => page.locator("main").textContent())
    .toContain("No jobs yet: dispatch one above, or run npm run demo.");
  await expect.poll(() => page.locator("#live").textContent()).toBe("live");
});

test("a job dispatched from the form reaches done in the list without a reload", async () => {
  await markDocument();
  await page.fill("#d-prompt", "a lighthouse at dusk");
  await page.selectOption("#d-priority", "high");
  await page.click("form.dispatch button[type=submit]");
  await expect.poll(() => page.locator("#flash").textContent()).toBe("Dispatched job 1 to image-bot.");
  await page.locator('tr[data-job="1"][data-status="done"]').waitFor({ timeout: 30_000 });
  expect(await stillSameDocument()).toBe(true);
  expect(scene.coordinator.job(1)).toMatchObject({ status: "done", priority: "high", claimed_by: WORKER_NAME });
  // The filter shows done jobs only.
  await page.click('a[data-key="filter-done"]');
  await page.locator('tr[data-job="1"]').waitFor();
  await page.click('a[data-key="filter-failed"]');
  await expect.poll(() => page.locator("main").textContent()).toContain("No failed jobs.");
});

test("the job page shows the prompt, the formatted result and the PNG rendered", async () => {
  await page.click('a[data-key="filter-all"]');
  await page.click('a[data-key="job-1"]');
  await page.locator("img.artifact-image").waitFor();
  await expect.poll(() => naturalWidth("img.artifact-image")).toBe(128);
  const result = await page.locator("pre.result").textContent();
  expect(JSON.parse(result ?? "")).toMatchObject({ review_id: 1 });
  expect(result).toContain('\n  "review_id": 1'); // indented, not one line
  expect(await page.locator("pre.prompt-text").textContent()).toBe("a lighthouse at dusk");
  expect(await page.locator(".facts").textContent()).toContain("Claimed by");
  expect(await page.locator("figcaption").textContent()).toMatch(/^artifact\.png · image\/png · [0-9.]+ KB$/);
  // Another artifact for the job appears on its open page, as a link with its size.
  const form = new FormData();
  form.append("file", new Blob(["hello"], { type: "text/plain" }), "notes.txt");
  form.append("content_type", "text/plain");
  form.append("filename", "notes.txt");
  form.append("job_id", "1");
  const upload = await fetch(`${base}/api/artifacts`, {
    method: "POST",
    headers: { authorization: `Bearer ${scene.coordinator.workerToken}` },
    body: form,
  });
  expect(upload.status).toBe(201);
  const link = page.locator("ul.artifacts a", { hasText: "notes.txt" });
  await link.waitFor();
  expect(await link.textContent()).toBe("notes.txt · text/plain · 5 B");
  expect(
    await page.evaluate((href) => fetch(href).then((r) => r.text()), (await link.getAttribute("href")) ?? ""),
  ).toBe("hello");
});

test("the review is approved in the queue and moves to the decided list", async () => {
  await page.click('nav a[data-section="reviews"]');
  const card = page.locator('li.card[data-review="1"]');
  await card.waitFor();
  await expect.poll(() => naturalWidth('li.card[data-review="1"] img.preview')).toBe(128);
  expect(await card.textContent()).toContain("a lighthouse at dusk");
  await page.fill("#note-1", "looks right");
  await page.click('button[data-key="approve-1"]');
  const decided = page.locator('table.decided tr[data-review="1"]');
  await decided.waitFor();
  expect(await decided.textContent()).toContain("approved");
  expect(await decided.textContent()).toContain("looks right");
  expect(await card.count()).toBe(0);
  expect(scene.coordinator.reviews()[0]).toMatchObject({ status: "approved", note: "looks right" });
});

test("a paused worker's job is cancelled from its page, and the worker resumed", async () => {
  await page.click('nav a[data-section="workers"]');
  const row = page.locator(`tr[data-worker="${WORKER_NAME}"]`);
  await row.waitFor();
  await expect.poll(() => row.textContent()).toMatch(/s ago/);
  await page.click(`tr[data-worker="${WORKER_NAME}"] button`);
  await expect.poll(() => row.locator(".badge").textContent()).toBe("paused");
  expect(scene.coordinator.workers()[0]?.paused).toBe(true);

  // Dispatched to the paused worker by name: it stays pending, it cannot claim it.
  await page.click('nav a[data-section="jobs"]');
  await page.fill("#d-prompt", "a field of sunflowers");
  await page.focus("#d-worker");
  await page.selectOption("#d-worker", WORKER_NAME);
  await page.click("form.dispatch button[type=submit]");
  await page.locator('tr[data-job="2"][data-status="pending"]').waitFor();
  await page.click('a[data-key="job-2"]');
  await page.click('button[data-key="cancel"]');
  await page.locator("h1 .badge.cancelled").waitFor();
  expect(await page.locator(".facts").textContent()).toContain("cancelled from the console");
  expect(scene.coordinator.job(2).status).toBe("cancelled");
  // A cancelled job can be retried from its page: pending again, for the worker once it is resumed.
  await page.click('button[data-key="retry"]');
  await page.locator("h1 .badge.pending").waitFor();
  expect(scene.coordinator.job(2)).toMatchObject({ status: "pending", retries: 1 });
  expect(await page.locator(".facts").textContent()).toContain("Retried1 time(s)");

  await page.click('nav a[data-section="workers"]');
  await page.click(`tr[data-worker="${WORKER_NAME}"] button`);
  await expect.poll(() => row.locator(".badge").textContent()).not.toBe("paused");
  expect(scene.coordinator.workers()[0]?.paused).toBe(false);
});

test("the killswitch is activated with a level and a reason, shows a banner on every page, and is cleared", async () => {
  await page.click('nav a[data-section="killswitch"]');
  await page.selectOption("#ks-level", "2");
  await page.fill("#ks-reason", "runaway costs");
  await page.click("form.killswitch button.danger");
  const banner = page.locator("#banner");
  await expect.poll(() => banner.textContent()).toContain("Killswitch active");
  expect(await banner.textContent()).toContain("level 2");
  expect(await banner.textContent()).toContain("runaway costs");
  expect(() => scene.coordinator.dispatch({ prompt: "refused" })).toThrow(/killswitch/i);
  for (const section of ["jobs", "workers", "reviews"]) {
    await page.click(`nav a[data-section="${section}"]`);
    expect(await banner.isVisible()).toBe(true);
  }
  await page.click("#banner a");
  await page.locator("#ks-resume").check();
  await page.click('form.killswitch:not([hidden]) button[type="submit"]');
  await expect.poll(() => banner.textContent()).toBe("");
  expect(await page.locator(".ks-state").textContent()).toContain("Not active");
  expect(scene.coordinator.workers()[0]?.paused).toBe(false);
});

test("a prompt holding HTML is shown as text and runs nothing, dispatched by keyboard alone", async () => {
  const prompt = `<img src=x onerror="window.consoleXss=1;alert(1)"><script>window.consoleXss=2</script>`;
  await page.click('nav a[data-section="jobs"]');
  await page.focus("#d-prompt");
  await page.keyboard.type(prompt);
  // Prompt, input, priority, worker, then the Dispatch button.
  for (let i = 0; i < 4; i++) await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Dispatch");
  await page.keyboard.press("Enter");
  const cell = page.locator('tr[data-job="3"] td.prompt');
  await cell.waitFor();
  expect(await cell.textContent()).toBe(prompt);
  expect(await page.locator('tr[data-job="3"] img, main script').count()).toBe(0);
  await page.click('a[data-key="job-3"]');
  expect(await page.locator("pre.prompt-text").textContent()).toBe(prompt);
  expect(await page.evaluate(() => (window as unknown as { consoleXss?: number }).consoleXss)).toBeUndefined();
  expect(dialogs).toEqual([]);
});

test("the page reads well in a narrow window and never shows a token", async () => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.click('nav a[data-section="jobs"]');
  await page.locator('tr[data-job="1"]').waitFor();
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await page.setViewportSize({ width: 1280, height: 800 });
  const html = await page.content();
  const state = await page.evaluate(() =>
    fetch("/_console/api/state", {
      headers: {
        "x-console-secret": document.querySelector<HTMLMetaElement>('meta[name="console-secret"]')?.content ?? "",
      },
    }).then((r) => r.text()),
  );
  for (const token of [scene.coordinator.workerToken, scene.coordinator.adminToken]) {
    expect(html).not.toContain(token);
    expect(state).not.toContain(token);
  }
  expect(pageErrors).toEqual([]);
});

/** A raw HTTP request, so the Host header can be anything (fetch always sends the URL's). */
function rawRequest(
  path: string,
  headers: Record<string, string>,
  method = "GET",
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("a request with a foreign Host is refused, the console's page and the coordinator's API alike", async () => {
  for (const path of ["/", "/_console/api/state", "/health"]) {
    const answer = await rawRequest(path, { host: "attacker.example:80" });
    expect(answer.status).toBe(421);
    expect(answer.body).toContain('got Host \\"attacker.example:80\\"');
    expect(Object.keys(answer.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
  }
  const port = new URL(base).port;
  expect((await rawRequest("/", { host: `localhost:${port}` })).status).toBe(200);
  expect((await rawRequest("/", { host: `127.0.0.1:${port}` })).status).toBe(200);
});

test("an action without the secret, or from another origin, is refused and changes nothing", async () => {
  scene.coordinator.createJob({ prompt: "keep me", assigned_to: "nobody" });
  const id = scene.coordinator.jobs().at(-1)?.id;
  const cancel = `${base}/_console/api/jobs/${id}/cancel`;
  const json = { "content-type": "application/json" };
  const noSecret = await fetch(cancel, { method: "POST", headers: json, body: "{}" });
  expect(noSecret.status).toBe(403);
  expect(((await noSecret.json()) as { error: string }).error).toContain('"x-console-secret" header');
  const wrong = await fetch(cancel, { method: "POST", headers: { ...json, "x-console-secret": "guess" }, body: "{}" });
  expect(wrong.status).toBe(403);
  const secret = await page.evaluate(
    () => document.querySelector<HTMLMetaElement>('meta[name="console-secret"]')?.content ?? "",
  );
  const foreign = await fetch(cancel, {
    method: "POST",
    headers: { ...json, "x-console-secret": secret, origin: "http://attacker.example" },
    body: "{}",
  });
  expect(foreign.status).toBe(403);
  expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  expect(scene.coordinator.job(id ?? 0).status).toBe("pending");
  // The same call from the page itself goes through.
  const fromPage = await page.evaluate(
    ([url, s]) =>
      fetch(url as string, {
        method: "POST",
        headers: { "content-type": "application/json", "x-console-secret": s as string },
        body: "{}",
      }).then((r) => r.status),
    [cancel, secret],
  );
  expect(fromPage).toBe(200);
  expect(scene.coordinator.job(id ?? 0).status).toBe("cancelled");
});

test("a worker's job in flight, its status and its heartbeat's age are on the workers page", async () => {
  const asWorker = (path: string, method: string, body: unknown) =>
    scene.coordinator.fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${scene.coordinator.workerToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  expect((await asWorker("/presence", "PUT", { instance: "hand-worker", status: "busy", tags: "" })).status).toBe(200);
  const job = scene.coordinator.createJob({ prompt: "held", assigned_to: "hand-worker" });
  expect((await asWorker(`/api/jobs/${job.id}/claim`, "POST", { worker: "hand-worker" })).status).toBe(200);
  await page.click('nav a[data-section="workers"]');
  const row = page.locator('tr[data-worker="hand-worker"]');
  await row.waitFor();
  expect(await row.locator(".badge").textContent()).toBe("busy");
  expect(await row.locator(`a[href="#/jobs/${job.id}"]`).textContent()).toBe(`job ${job.id}`);
  await expect.poll(() => row.locator(".age").textContent()).toMatch(/^[0-9]+ s ago$/);

  const registered = await scene.coordinator.fetch(`${base}/api/v1/workers/register`, {
    method: "POST",
    headers: { authorization: `Bearer ${scene.coordinator.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({
      name: "render-bot",
      description: "renders",
      capabilities: [{ name: "images", risk_tier: "auto" }],
    }),
  });
  expect(registered.status).toBe(201);
  const renderBot = page.locator('tr[data-worker="render-bot"]');
  await renderBot.waitFor();
  expect(await renderBot.locator("th").textContent()).toBe("render-bot registeredrenderscan do images (auto)");
  expect(await renderBot.locator(".age").count()).toBe(0);
  expect(await renderBot.textContent()).toContain("never");
});

test("the console opened at localhost instead of 127.0.0.1 acts as well", async () => {
  const port = new URL(base).port;
  await page.goto(`http://localhost:${port}/#/workers`);
  const row = page.locator('tr[data-worker="hand-worker"]');
  await row.waitFor();
  await row.locator("button").click();
  await expect.poll(() => row.locator(".badge").textContent()).toBe("paused");
  expect(scene.coordinator.workers().find((w) => w.name === "hand-worker")?.paused).toBe(true);
  expect(await page.locator("#flash").textContent()).toBe("hand-worker paused: it takes no new jobs.");
});
