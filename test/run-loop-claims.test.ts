/**
 * The run loop sends a claim for every free slot without waiting for the
 * answers to earlier ones (bench/: one claim at a time held concurrency 8 and
 * 32 to the speed of 2 or 3 once the coordinator is a few ms away). Against the
 * local coordinator in fetch mode, with a fetch wrapper that slows and counts claims.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Job, Worker } from "../src/index.js";
import { type Coordinator, createCoordinator } from "../src/testing/index.js";
import { spyLogger } from "./support/msw.js";

const NAME = "claims-worker";
const running: { worker: Worker; done: Promise<void> }[] = [];

afterEach(async () => {
  for (const { worker, done } of running.splice(0)) {
    await worker.stop();
    await done.catch(() => {});
  }
});

interface Spy {
  fetch: typeof globalThis.fetch;
  claims: string[];
  maxClaimsInFlight: () => number;
}

/** Wraps the coordinator's fetch: claims take `claimMs` (per job id); `edit` may rewrite inbox answers. */
function spyFetch(
  coordinator: Coordinator,
  claimMs: number | ((id: string) => number),
  edit?: (jobs: Job[]) => Job[],
): Spy {
  const claims: string[] = [];
  let inFlight = 0;
  let max = 0;
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const claim = /^\/api\/jobs\/([^/]+)\/claim$/.exec(url.pathname);
    if (claim) {
      claims.push(claim[1] as string);
      inFlight++;
      max = Math.max(max, inFlight);
      try {
        const ms = typeof claimMs === "number" ? claimMs : claimMs(claim[1] as string);
        await new Promise((resolve) => setTimeout(resolve, ms));
        return await coordinator.fetch(input, init);
      } finally {
        inFlight--;
      }
    }
    const response = await coordinator.fetch(input, init);
    if (edit && url.pathname === "/my-jobs" && url.searchParams.get("status") === "pending") {
      const { jobs } = (await response.json()) as { jobs: Job[] };
      return Response.json({ jobs: edit(jobs) });
    }
    return response;
  };
  return { fetch: fetch as typeof globalThis.fetch, claims, maxClaimsInFlight: () => max };
}

function start(coordinator: Coordinator, spy: Spy, concurrency: number, handler: (job: Job) => unknown) {
  const worker = new Worker({
    url: coordinator.url,
    token: coordinator.workerToken,
    name: NAME,
    concurrency,
    pollIntervalMs: 20,
    maxRetries: 0,
    fetch: spy.fetch,
    logger: spyLogger(),
  });
  const done = worker.run(handler, { handleSignals: false });
  running.push({ worker, done });
  return worker;
}

describe("claims", () => {
  it("go out together for every free slot", async () => {
    const coordinator = createCoordinator();
    const jobs = Array.from({ length: 8 }, (_, i) => coordinator.createJob({ prompt: `p${i}`, assigned_to: NAME }));
    const spy = spyFetch(coordinator, 30);
    start(coordinator, spy, 4, () => new Promise((resolve) => setTimeout(() => resolve("ok"), 10)));
    for (const job of jobs) await coordinator.waitFor(job.id, "done");
    expect(spy.maxClaimsInFlight()).toBe(4);
    expect(spy.claims).toHaveLength(8);
    for (const job of jobs) expect(coordinator.completions(job.id)).toBe(1);
  });

  it("a freed slot is filled at once, without waiting for a slow claim sent earlier", async () => {
    const coordinator = createCoordinator();
    const [slow, ...rest] = Array.from({ length: 4 }, (_, i) =>
      coordinator.createJob({ prompt: `p${i}`, assigned_to: NAME }),
    );
    let slowAnswered = false;
    const spy = spyFetch(coordinator, (id) => (id === String(slow?.id) ? 400 : 5));
    const doneBeforeSlow: unknown[] = [];
    start(coordinator, spy, 2, (job) => {
      if (job.id === slow?.id) slowAnswered = true;
      else if (!slowAnswered) doneBeforeSlow.push(job.id);
      return "ok";
    });
    for (const job of [slow, ...rest]) await coordinator.waitFor((job as Job).id, "done");
    // One slot waits on the slow claim; the other goes through the three quick jobs meanwhile.
    expect(doneBeforeSlow).toEqual(rest.map((job) => job.id));
  });

  it("a job listed twice in one inbox answer is claimed and run once", async () => {
    const coordinator = createCoordinator();
    const job = coordinator.createJob({ prompt: "twice", assigned_to: NAME });
    const spy = spyFetch(coordinator, 5, (jobs) => [...jobs, ...jobs]);
    const seen: unknown[] = [];
    start(coordinator, spy, 4, (j) => {
      seen.push(j.id);
      return "ok";
    });
    await coordinator.waitFor(job.id, "done");
    expect(spy.claims).toEqual([String(job.id)]);
    expect(seen).toEqual([job.id]);
  });

  it("a failed claim does not drop the jobs claimed alongside it: they run, and the failed one later", async () => {
    const coordinator = createCoordinator();
    const jobs = Array.from({ length: 3 }, (_, i) => coordinator.createJob({ prompt: `p${i}`, assigned_to: NAME }));
    coordinator.faults.add({ route: "claim", kind: "status", status: 500, times: 1 });
    const spy = spyFetch(coordinator, 5);
    start(coordinator, spy, 3, () => "ok");
    for (const job of jobs) await coordinator.waitFor(job.id, "done", { timeoutMs: 10_000 });
    for (const job of jobs) expect(coordinator.completions(job.id)).toBe(1);
  });
});
