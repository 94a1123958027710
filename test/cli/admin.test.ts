/**
 * `register`, `jobs`, `workers` and `killswitch` as child processes against a
 * local coordinator over HTTP.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli, json, type Served, serve } from "./support.js";

describe("modelreins-worker admin commands", () => {
  let served: Served;
  beforeEach(async () => {
    served = await serve();
  });
  afterEach(async () => {
    await served.coordinator.close();
  });

  /** A worker call over HTTP, as a worker would make it. */
  async function workerCall(path: string, body: unknown): Promise<void> {
    const response = await fetch(`${served.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${served.coordinator.workerToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  }

  it("register prints the worker id and a view_url that reveals the token once", async () => {
    const env = served.env;
    const [human, asJson, badTier] = await Promise.all([
      cli(
        [
          "register",
          "image-bot",
          "--description",
          "Renders images",
          "--capability",
          "render:auto",
          "--capability",
          "publish:approve:vault://cdn/key,vault://cdn/secret",
        ],
        { env },
      ),
      cli(["register", "other-bot", "--json"], { env }),
      cli(["register", "x", "--capability", "render:yolo"], { env }),
    ]);

    expect(human.code, human.stderr).toBe(0);
    const viewUrl = /^ {2}(http:\/\/\S+\/v\/\S+)$/m.exec(human.stdout)?.[1] ?? "";
    expect(human.stdout).toMatch(/^Registered worker "image-bot" \(id \d+\)\./);
    expect(human.stdout).toMatch(/reveals the worker's token once/);
    const worker = served.coordinator.workers().find((w) => w.name === "image-bot");
    expect(worker).toMatchObject({
      description: "Renders images",
      capabilities: [
        { name: "render", risk_tier: "auto" },
        { name: "publish", risk_tier: "approve", requires_secrets: ["vault://cdn/key", "vault://cdn/secret"] },
      ],
    });
    const first = await fetch(viewUrl);
    expect(first.status).toBe(200);
    const { token } = (await first.json()) as { token: string };
    expect(token).toEqual(expect.any(String));
    expect(human.stdout).not.toContain(token);
    expect((await fetch(viewUrl)).status).toBe(410);

    expect(asJson.code).toBe(0);
    expect(json(asJson)).toMatchObject({
      name: "other-bot",
      registered: true,
      view_url: expect.stringMatching(/\/v\//),
    });

    expect(badTier.code).toBe(2);
    expect(badTier.stderr).toContain("must be one of auto, audit, approve, session");
  });

  it("jobs list, show, cancel and retry", async () => {
    const { coordinator, env } = served;
    const a = coordinator.createJob({ prompt: "first job", assigned_to: "w1", provider: "openai" });
    const b = coordinator.createJob({ prompt: "second job\nwith two lines", priority: "high" });
    const c = coordinator.createJob({ prompt: "third job", provider: "openai" });

    const [list, listJson, page, filtered, show, showJson, missing] = await Promise.all([
      cli(["jobs"], { env }),
      cli(["jobs", "list", "--json"], { env }),
      cli(["jobs", "--limit", "1", "--offset", "1"], { env }),
      cli(["jobs", "list", "--provider", "openai", "--status", "pending", "--json"], { env }),
      cli(["jobs", "show", String(a.id)], { env }),
      cli(["jobs", "show", String(b.id), "--json"], { env }),
      cli(["jobs", "show", "999"], { env }),
    ]);

    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+PRIORITY\s+ASSIGNED TO\s+CREATED\s+PROMPT$/);
    expect(lines[1]).toMatch(new RegExp(`^${a.id}\\s+pending\\s+normal\\s+w1\\s+\\S+\\s+first job$`));
    expect(lines[2]).toMatch(/second job with two lines$/);
    expect(list.stdout).toContain("Jobs 1-3 of 3.");

    expect(json(listJson)).toEqual({ jobs: coordinator.jobs(), total: 3 });
    expect(page.stdout).toContain("second job");
    expect(page.stdout).not.toContain("first job");
    expect(page.stdout).toContain("Jobs 2-2 of 3. Next page: --offset 2.");
    expect((json(filtered) as { jobs: { id: number }[] }).jobs.map((j) => j.id)).toEqual([a.id, c.id]);

    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`^Job ${a.id}\\n`));
    expect(show.stdout).toMatch(/ {2}status: +pending/);
    expect(show.stdout).toMatch(/ {2}provider: +openai/);
    expect(json(showJson)).toEqual(coordinator.job(b.id));

    const cancel = await cli(["jobs", "cancel", String(c.id), "--reason", "not needed"], { env });
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toBe(`Cancelled job ${c.id}; it is now cancelled.\n`);
    expect(coordinator.job(c.id)).toMatchObject({ status: "cancelled", cancel_reason: "not needed" });

    expect(missing.code).toBe(4);
    expect(missing.stderr).toBe("modelreins-worker jobs: GET /api/jobs/999 failed with HTTP 404: no job 999.\n");

    const [retry, cancelAgain, retryPending] = await Promise.all([
      cli(["jobs", "retry", String(c.id), "--json"], { env }),
      cli(["jobs", "cancel", String(a.id)], { env }),
      cli(["jobs", "retry", String(b.id)], { env }),
    ]);
    expect(retry.code).toBe(0);
    expect(json(retry)).toMatchObject({ id: c.id, status: "pending", retries: 1 });
    expect(cancelAgain.code).toBe(0);
    expect(retryPending.code).toBe(1);
    expect(retryPending.stderr).toMatch(/HTTP 409: job \d+ is pending: only failed or cancelled jobs can be retried/);

    // A finished job's result shows in full, after the fields.
    const d = coordinator.createJob({ prompt: "with a result", assigned_to: "w2" });
    await workerCall(`/api/jobs/${d.id}/claim`, { worker: "w2" });
    await workerCall(`/api/jobs/${d.id}/complete`, { worker: "w2", status: "done", result: "line 1\n  line 2" });
    const showDone = await cli(["jobs", "show", String(d.id)], { env });
    expect(showDone.stdout).toMatch(/ {2}claimed by: +w2\n/);
    expect(showDone.stdout).toMatch(/\n\nResult:\nline 1\n {2}line 2\n$/);
  });

  it("workers list, show, pause, resume; killswitch activate and clear", async () => {
    const { coordinator, env } = served;
    await cli(["register", "alpha", "--capability", "shell:session"], { env });
    const alpha = coordinator.workers().find((w) => w.name === "alpha");
    const running = coordinator.createJob({ prompt: "long", assigned_to: "alpha" });

    const [list, listJson, show, missing] = await Promise.all([
      cli(["workers"], { env }),
      cli(["workers", "list", "--json"], { env }),
      cli(["workers", "show", String(alpha?.id)], { env }),
      cli(["workers", "show", "404"], { env }),
    ]);
    const pause = await cli(["workers", "pause", String(alpha?.id)], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+STATUS\s+ONLINE\s+PAUSED\s+LOAD\s+LAST SEEN\n/);
    expect(list.stdout).toMatch(new RegExp(`\\n${alpha?.id}\\s+alpha\\s+unknown\\s+no\\s+no\\s+1\\s+-\\n`));
    expect(json(listJson)).toMatchObject({ workers: [{ name: "alpha" }] });
    expect(show.stdout).toMatch(/Capabilities:\n\s+NAME\s+RISK TIER\s+SECRETS\n\s+shell\s+session\s+-/);
    expect(pause.stdout).toMatch(/^Paused worker alpha \(id \d+\)/);
    expect(coordinator.workers()[0]?.paused).toBe(true);
    expect(missing.code).toBe(4);

    const resume = await cli(["workers", "resume", "alpha", "--json"], { env });
    expect(json(resume)).toMatchObject({ name: "alpha", paused: false });

    // The killswitch cancels running jobs and pauses workers.
    await workerCall(`/api/jobs/${running.id}/claim`, { worker: "alpha" });
    const [activate, noReason] = await Promise.all([
      cli(["killswitch", "activate", "--level", "3", "--reason", "runaway costs"], { env }),
      cli(["killswitch", "activate", "--level", "3"], { env }),
    ]);
    expect(activate.code, activate.stderr).toBe(0);
    expect(activate.stdout).toBe(
      [
        "Killswitch ACTIVE at level 3: runaway costs",
        `It cancelled 1 running job (${running.id}) and paused 1 worker.`,
        "Dispatch is refused until `modelreins-worker killswitch clear`.",
        "",
      ].join("\n"),
    );
    expect(coordinator.job(running.id).status).toBe("cancelled");
    expect(noReason.code).toBe(2);

    const [refused, clearJson] = [
      await cli(["dispatch", "now?", "--assign", "alpha"], { env }),
      await cli(["killswitch", "clear", "--resume-all", "--json"], { env }),
    ];
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/HTTP 423: the killswitch is active/);
    expect(json(clearJson)).toEqual({
      killswitch: { active: false, level: null, reason: null, activated_at: null },
      resumed_workers: 1,
    });
    expect(coordinator.workers()[0]?.paused).toBe(false);
  });

  it("killswitch clear without --resume-all names the paused workers and the commands that resume them", {
    timeout: 60_000,
  }, async () => {
    const { coordinator, env } = served;
    /** An admin call made directly, to set the scene without a CLI process each. */
    const admin = (path: string, body?: unknown) =>
      fetch(`${served.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${coordinator.adminToken}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    for (const name of ["w1", "w2", "w3", "w4", "w5", "w6", "w7"]) {
      await fetch(`${served.url}/presence`, {
        method: "PUT",
        headers: { authorization: `Bearer ${coordinator.workerToken}`, "content-type": "application/json" },
        body: JSON.stringify({ instance: name, status: "idle", tags: "" }),
      });
    }
    await admin("/tenant/killswitch", { level: 1, reason: "drill" });
    const many = await cli(["killswitch", "clear"], { env });
    expect(many.code, many.stderr).toBe(0);
    expect(many.stdout).toBe(
      [
        "Killswitch cleared. 7 workers stay paused: they claim no jobs until resumed.",
        "Resume them all:",
        "  modelreins-worker killswitch clear --resume-all",
        "Or one by one:",
        "  modelreins-worker workers resume 1   # w1",
        "  modelreins-worker workers resume 2   # w2",
        "  modelreins-worker workers resume 3   # w3",
        "  modelreins-worker workers resume 4   # w4",
        "  modelreins-worker workers resume 5   # w5",
        "  (and 2 more: `modelreins-worker workers` lists them)",
        "",
      ].join("\n"),
    );
    expect(coordinator.workers().every((w) => w.paused)).toBe(true);

    // The printed commands work as printed.
    const [resumeOne, resumeAll] = [
      await cli(["workers", "resume", "1"], { env }),
      await cli(["killswitch", "clear", "--resume-all"], { env }),
    ];
    expect(resumeOne.code, resumeOne.stderr).toBe(0);
    expect(resumeAll.stdout).toBe("Killswitch cleared; resumed 6 workers.\n");
    expect(coordinator.workers().some((w) => w.paused)).toBe(false);

    await admin("/api/workers/4/pause");
    const one = await cli(["killswitch", "clear"], { env });
    expect(one.stdout).toBe(
      [
        "Killswitch cleared. 1 worker stays paused: it claims no jobs until resumed.",
        "Resume it:",
        "  modelreins-worker workers resume 4   # w4",
        "",
      ].join("\n"),
    );
    await admin("/api/workers/4/resume");
    expect((await cli(["killswitch", "clear"], { env })).stdout).toBe("Killswitch cleared. No worker is paused.\n");

    // Without the list of workers, the commands are still printed, with a placeholder.
    coordinator.faults.add({ route: "listWorkers", kind: "status", status: 500 });
    const blind = await cli(["killswitch", "clear"], { env });
    expect(blind.code).toBe(0);
    expect(blind.stdout).toMatch(
      /^Killswitch cleared\. Paused workers stay paused: .*\n.*\n {2}modelreins-worker killswitch clear --resume-all\nOr one:\n {2}modelreins-worker workers resume <id>\n$/,
    );
  });
});
