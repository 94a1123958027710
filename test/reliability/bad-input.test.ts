// Reliability: answers the SDK cannot use. A misbehaving proxy sits between the worker and the local
// coordinator (fetch mode) and spoils one answer at a time: malformed JSON, an HTML page with 200,
// job lists with broken items, a 20 MB body, deeply nested JSON, answers that hang. Each is a clear
// error for that call; the loop logs it and goes on; the jobs that come later still complete.
import { AuthenticationError, type Job, Worker } from "modelreins-worker";
import { type Coordinator, createCoordinator } from "modelreins-worker/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { recordingLogger } from "./support.js";

/** The spoiled answer; `forwarded` is the coordinator's own answer's body, when the request was forwarded. */
type Answer = (request: Request, forwarded: string | undefined) => Response | Promise<Response>;

interface Sabotage {
  label: string;
  when: (request: Request) => boolean;
  /** Let the coordinator act first (the request lands), then spoil its answer. */
  forward: boolean;
  times: number;
  answer: Answer;
  served: number;
}

let coordinator: Coordinator;
let sabotage: Sabotage[];
let worker: Worker | undefined;

beforeEach(() => {
  coordinator = createCoordinator();
  sabotage = [];
  // Back-off without jitter: the loop waits exactly its fixed half (500 ms, 1 s ...), retries go at once.
  vi.spyOn(Math, "random").mockReturnValue(0);
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await coordinator.close();
  vi.restoreAllMocks();
});

/** A fetch that answers through the coordinator unless a planned sabotage matches the request. */
const proxyFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
  const request = new Request(input, init);
  const plan = sabotage.find((s) => s.served < s.times && s.when(request));
  if (plan === undefined) return coordinator.fetch(request);
  plan.served++;
  const forwarded = plan.forward ? await (await coordinator.fetch(request)).text() : undefined;
  return plan.answer(request, forwarded);
};

function spoil(
  label: string,
  when: Sabotage["when"],
  answer: Answer,
  options: { forward?: boolean; times?: number } = {},
) {
  const plan: Sabotage = {
    label,
    when,
    answer,
    forward: options.forward ?? false,
    times: options.times ?? 1,
    served: 0,
  };
  sabotage.push(plan);
  return plan;
}

const isInbox = (status: string) => (r: Request) =>
  r.method === "GET" && new URL(r.url).pathname === "/my-jobs" && new URL(r.url).searchParams.get("status") === status;
const isCall = (method: string, suffix: string) => (r: Request) =>
  r.method === method && new URL(r.url).pathname.endsWith(suffix);

const jsonResponse = (text: string, status = 200) =>
  new Response(text, { status, headers: { "content-type": "application/json" } });
const htmlPage = (request: Request) =>
  new Response(
    `<!doctype html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><pre>${request.headers.get("authorization")}</pre></body></html>`,
    { status: 200, headers: { "content-type": "text/html" } },
  );

/** A body that sends a first chunk, then nothing, until the request is aborted. */
function hangingBody(request: Request): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"jobs": ['));
      request.signal.addEventListener("abort", () => controller.error(request.signal.reason), { once: true });
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
}

/** No answer at all (no headers) until the request is aborted. */
const noAnswer = (request: Request) =>
  new Promise<Response>((_, reject) => {
    request.signal.addEventListener("abort", () => reject(request.signal.reason), { once: true });
  });

/** A 20 MB body, valid JSON, sent in 1 MB chunks. */
function hugeBody(): Response {
  const chunk = new TextEncoder().encode("x".repeat(1024 * 1024));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('{"jobs": [], "padding": "'));
      if (sent < 20) controller.enqueue(chunk);
      else {
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
      }
      sent++;
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
}

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

function startWorker(name: string) {
  const logger = recordingLogger();
  worker = new Worker({
    ...coordinator.workerOptions(),
    fetch: proxyFetch,
    name,
    pollIntervalMs: 10,
    heartbeatIntervalMs: 50,
    timeoutMs: 300,
    logger,
  });
  const onError = vi.fn();
  let ended = false;
  const running = worker.run((job: Job) => `r:${job.id}`, { onError, handleSignals: false });
  const settled = running.then(
    () => undefined,
    (error: unknown) => error,
  );
  void settled.finally(() => {
    ended = true;
  });
  return { worker, logger, onError, running, settled, ended: () => ended };
}

describe("answers the SDK cannot use", () => {
  it("each is a clear error for its call; the loop logs it, goes on, and every job completes once", async () => {
    const name = "bad-input";
    const { logger, onError, ended } = startWorker(name);
    const token = coordinator.workerToken;

    // One case at a time: spoil the next matching answer, add a job, and wait until it is done.
    const cases: Array<{ plan: () => Sabotage; log: RegExp }> = [
      {
        plan: () => spoil("malformed JSON", isInbox("pending"), () => jsonResponse('{"jobs": [{"id": 1, "prompt": ')),
        log: /GET \/my-jobs answered HTTP 200 with application\/json that is not JSON.*trying again in 500 ms/,
      },
      {
        plan: () => spoil("HTML with 200", isInbox("pending"), htmlPage),
        log: /GET \/my-jobs answered HTTP 200 with text\/html that is not JSON: "[^"<]*Bad Gateway[^"<]*"\. This is not a ModelReins coordinator's answer: is .* the coordinator, not a web page or a proxy\?/,
      },
      {
        plan: () =>
          spoil(
            "broken job items",
            isInbox("pending"),
            (_request, forwarded) => {
              // The coordinator's own list, with broken items put in front (raw text: 1e400 is not a JS number).
              const real = (JSON.parse(forwarded ?? "{}") as { jobs: unknown[] }).jobs;
              const broken =
                '[null, 7, "job", {"id": null, "prompt": "x"}, {"id": 99}, {"id": 1e400, "prompt": "x"}, {"id": 98, "prompt": "x", "status": 5}';
              return jsonResponse(`{"jobs": ${broken}${real.map((job) => `, ${JSON.stringify(job)}`).join("")}]}`);
            },
            { forward: true },
          ),
        log: /GET \/my-jobs answered 7 job\(s\) the SDK cannot use, left out: item 0 is not an object; item 1 is not an object; item 2 is not an object; item 3 has no usable id.*item 4 \(id 99\) has no prompt string.*item 5 has no usable id.*item 6 \(id 98\) has a status that is not a string/,
      },
      {
        plan: () => spoil("a 20 MB body", isInbox("pending"), hugeBody),
        log: /GET \/my-jobs answered with a body over 16777216 bytes; trying again in 500 ms/,
      },
      {
        plan: () =>
          spoil("deeply nested JSON", isInbox("pending"), () => jsonResponse(`{"jobs": {"deep": ${nested(100_000)}}}`)),
        log: /GET \/my-jobs answered something that is not a list .*; trying again in 500 ms/,
      },
      {
        plan: () => spoil("a body that hangs half-way", isInbox("pending"), hangingBody, { times: 3 }),
        log: /GET \/my-jobs got no answer within 300 ms; trying again in 500 ms/,
      },
      {
        plan: () => spoil("no answer at all", isInbox("pending"), noAnswer, { times: 3 }),
        log: /GET \/my-jobs got no answer within 300 ms; trying again in 500 ms/,
      },
      {
        plan: () =>
          spoil("heartbeat answered with malformed JSON", isCall("PUT", "/presence"), () => jsonResponse("{oops")),
        log: /heartbeat failed: PUT \/presence answered HTTP 200 with application\/json that is not JSON/,
      },
      {
        // The claim lands, its answer is an HTML page: the job is found again as running in this worker's name.
        plan: () => spoil("claim landed, answered with HTML", isCall("POST", "/claim"), htmlPage, { forward: true }),
        log: /is running in this worker's name but not here \(a lost claim answer\?\): taking it up/,
      },
      {
        plan: () =>
          spoil("claim landed, answered with a non-job", isCall("POST", "/claim"), () => jsonResponse('{"ok": true}'), {
            forward: true,
          }),
        log: /POST \/api\/jobs\/\d+\/claim answered a job that has no usable id/,
      },
      {
        plan: () =>
          spoil(
            "claim landed, answered with deeply nested JSON",
            isCall("POST", "/claim"),
            () => jsonResponse(`{"job": ${nested(100_000)}}`),
            { forward: true },
          ),
        log: /POST \/api\/jobs\/\d+\/claim answered a job that has no usable id .*: \(too deeply nested to show\)/,
      },
      {
        // The completion lands, its answer is an HTML page: 2xx means delivered; not retried, not an error.
        plan: () =>
          spoil("completion landed, answered with HTML", isCall("POST", "/complete"), htmlPage, { forward: true }),
        log: /result counts as delivered \(the coordinator took it\): POST \/api\/jobs\/\d+\/complete answered HTTP 200 with text\/html that is not JSON/,
      },
      {
        plan: () =>
          spoil(
            "an HTML error page with 502, twice",
            isCall("POST", "/complete"),
            () =>
              new Response("<html><body>502 Bad Gateway</body></html>", {
                status: 502,
                headers: { "content-type": "text/html" },
              }),
            { times: 2 },
          ),
        log: /POST \/api\/jobs\/\d+\/complete answered HTTP 502 with text\/html that is not JSON: "502 Bad Gateway"; retrying in 0 ms \(retry 2 of 2\)/,
      },
    ];

    const jobs: number[] = [];
    for (const { plan, log } of cases) {
      const sabotaged = plan();
      const job = coordinator.createJob({ prompt: sabotaged.label, assigned_to: name });
      jobs.push(job.id);
      const done = await coordinator.waitFor(job.id, "done", { timeoutMs: 5_000 });
      expect(done.result, sabotaged.label).toBe(`r:${job.id}`);
      await expect.poll(() => sabotaged.served, { timeout: 2_000, message: sabotaged.label }).toBe(sabotaged.times);
      await expect.poll(() => logger.text(), { timeout: 2_000, message: sabotaged.label }).toMatch(log);
    }
    // Later jobs, with nothing spoiled, go through as usual.
    const later = Array.from({ length: 10 }, (_, i) =>
      coordinator.createJob({ prompt: `later ${i}`, assigned_to: name }),
    );
    for (const job of later) {
      jobs.push(job.id);
      await coordinator.waitFor(job.id, "done", { timeoutMs: 5_000 });
    }
    for (const id of jobs) {
      expect(coordinator.job(id)).toMatchObject({ status: "done", result: `r:${id}` });
      expect(coordinator.completions(id), `completions of job ${id}`).toBe(1);
    }
    expect(ended()).toBe(false);
    expect(onError).not.toHaveBeenCalled();
    expect(logger.lines.filter((l) => l.level === "error")).toEqual([]);
    // The token, echoed by the HTML pages, never reaches a log line.
    expect(logger.text()).toContain("Bearer [redacted]");
    expect(logger.text()).not.toContain(token);
  }, 40_000);

  it("403 and 5xx answers do not end run(); a 401 does, with AuthenticationError", async () => {
    const name = "refusals";
    const { settled, logger, ended } = startWorker(name);
    spoil("403", isInbox("pending"), () => jsonResponse('{"error": "worker paused"}', 403), { times: 2 });
    const first = coordinator.createJob({ prompt: "a", assigned_to: name });
    await coordinator.waitFor(first.id, "done", { timeoutMs: 5_000 });
    spoil("500", isInbox("pending"), () => jsonResponse('{"error": "boom"}', 500), { times: 3 });
    const second = coordinator.createJob({ prompt: "b", assigned_to: name });
    await coordinator.waitFor(second.id, "done", { timeoutMs: 5_000 });
    expect(logger.text()).toMatch(/HTTP 403: worker paused; trying again in/);
    expect(logger.text()).toMatch(/HTTP 500: boom; trying again in/);
    expect(ended()).toBe(false);

    spoil("401", isInbox("pending"), () => jsonResponse('{"error": "token revoked"}', 401));
    const error = await settled;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(logger.text()).toMatch(/HTTP 401: token revoked\. Check the token.*Stopping the worker\./);
  }, 20_000);
});
