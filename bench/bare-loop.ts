/**
 * The baseline of the throughput and latency figures: a worker loop written by
 * hand with the global fetch, sending exactly the SDK's requests.
 */
import { type Job, VERSION } from "modelreins-worker";
import { sleep } from "./stats.js";

export type Handler = (job: Job) => unknown;

export interface LoopOptions {
  url: string;
  token: string;
  name: string;
  concurrency: number;
  pollIntervalMs: number;
  heartbeatIntervalMs?: number | undefined;
  handler: Handler;
  /** For the loop-only scenario: a stand-in for the global fetch. */
  fetch?: typeof globalThis.fetch | undefined;
}

const USER_AGENT = `modelreins-worker-ts/${VERSION} node/${process.versions.node}`;

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The baseline: what one would write by hand with the global fetch. Same
 * requests as the SDK's loop, byte for byte in method, path, query, headers
 * and JSON bodies: a heartbeat at start and every heartbeatIntervalMs, one
 * look at `running` jobs at start, then `concurrency` lanes that take jobs
 * from one shared inbox list (fetched again when it runs dry), claim, run the
 * handler and complete. No timeouts, no retries, no validation: the wire floor.
 */
export class BareLoop {
  readonly #o: LoopOptions & { heartbeatIntervalMs: number };
  #stopped = false;
  #wakeStop: (() => void) | undefined;
  readonly #stopPromise: Promise<void>;
  #candidates: Job[] = [];
  #fetching: Promise<void> | undefined;
  readonly #known = new Set<string>();
  readonly #inFlight = new Set<Job["id"]>();

  constructor(options: LoopOptions) {
    this.#o = { ...options, heartbeatIntervalMs: options.heartbeatIntervalMs ?? 5_000 };
    this.#stopPromise = new Promise((resolve) => {
      this.#wakeStop = resolve;
    });
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeStop?.();
    return Promise.resolve();
  }

  async run(): Promise<void> {
    const timer = setInterval(() => void this.#heartbeat().catch(() => {}), this.#o.heartbeatIntervalMs);
    try {
      await this.#heartbeat();
      await this.#inbox("running");
      await Promise.all(Array.from({ length: this.#o.concurrency }, () => this.#lane()));
    } finally {
      clearInterval(timer);
    }
    await this.#heartbeat("offline");
  }

  async #lane(): Promise<void> {
    for (;;) {
      const job = await this.#next();
      if (job === undefined) return;
      const path = `/api/jobs/${encodeURIComponent(String(job.id))}`;
      let claimed: Job;
      try {
        claimed = (await this.#send("POST", `${path}/claim`, { worker: this.#o.name })) as Job;
      } catch (error) {
        if (error instanceof HttpStatusError && error.status === 409) continue;
        throw error;
      }
      this.#inFlight.add(job.id);
      let result: string;
      let status = "done";
      try {
        const value = await this.#o.handler(claimed);
        result = value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
      } catch (error) {
        status = "failed";
        result = String((error as Error).stack ?? error);
      }
      await this.#send("POST", `${path}/complete`, { worker: this.#o.name, status, result });
      this.#inFlight.delete(job.id);
    }
  }

  async #next(): Promise<Job | undefined> {
    while (!this.#stopped) {
      const job = this.#candidates.shift();
      if (job !== undefined) return job;
      this.#fetching ??= this.#inbox("pending")
        .then((jobs) => {
          this.#candidates = jobs.filter((j) => !this.#known.has(String(j.id)));
          for (const j of this.#candidates) this.#known.add(String(j.id));
        })
        .finally(() => {
          this.#fetching = undefined;
        });
      await this.#fetching;
      if (this.#candidates.length === 0 && !this.#stopped) {
        await Promise.race([sleep(this.#o.pollIntervalMs), this.#stopPromise]);
      }
    }
    return undefined;
  }

  async #inbox(status: string): Promise<Job[]> {
    const query = `?worker=${encodeURIComponent(this.#o.name)}&status=${status}`;
    const body = (await this.#send("GET", `/my-jobs${query}`)) as { jobs: Job[] } | Job[];
    return Array.isArray(body) ? body : body.jobs;
  }

  #heartbeat(status?: string): Promise<unknown> {
    const inFlight = [...this.#inFlight];
    return this.#send("PUT", "/presence", {
      instance: this.#o.name,
      status: status ?? (inFlight.length > 0 ? "busy" : "idle"),
      tags: "",
      details: { in_flight: inFlight, concurrency: this.#o.concurrency },
    });
  }

  async #send(method: string, path: string, json?: unknown): Promise<unknown> {
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": USER_AGENT,
      authorization: `Bearer ${this.#o.token}`,
    };
    if (json !== undefined) headers["content-type"] = "application/json";
    if (method === "POST") headers["idempotency-key"] = crypto.randomUUID();
    const init: RequestInit = { method, headers };
    if (json !== undefined) init.body = JSON.stringify(json);
    const response = await (this.#o.fetch ?? fetch)(this.#o.url + path, init);
    const text = await response.text();
    if (!response.ok) throw new HttpStatusError(response.status, `${method} ${path}: HTTP ${response.status} ${text}`);
    return text === "" ? undefined : JSON.parse(text);
  }
}
