/**
 * The local coordinator: `createCoordinator()` and its test helpers. One
 * implementation serves three transports: `coordinator.fetch` (no sockets),
 * msw handlers (`modelreins-worker/testing/msw`) and real HTTP (`listen()`).
 */
import { checkOptions, optionKeys } from "../check-options.js";
import { buildRoute } from "../routes.js";
import type { JobId } from "../types.js";
import { type ConsoleBackend, ConsoleServer } from "./console/server.js";
import { type CoordinatorListener, Emitter } from "./events.js";
import { DroppedConnection, FaultSet, type Faults } from "./faults.js";
import { parseNewJob } from "./handlers/index.js";
import { type Listener, type ListenOptions, startHttpServer } from "./http-server.js";
import { IdempotencyStore } from "./idempotency.js";
import { type CoordinatorOptions, type ResolvedOptions, resolveOptions } from "./options.js";
import { handle } from "./pipeline.js";
import { createRandom } from "./random.js";
import type {
  ArtifactRecord,
  CoordinatorJob,
  LocalJobStatus,
  NewJob,
  PresenceRecord,
  RequestRecord,
  ReviewRecord,
  WorkerRecord,
} from "./records.js";
import { COORDINATOR_ONLY_ROUTES, Router } from "./router.js";
import { State } from "./state.js";
import { parseId } from "./validate.js";

/** Options of {@link Coordinator.waitFor}. */
export interface WaitForOptions {
  /**
   * How long to wait before rejecting.
   * @default 5000
   */
  timeoutMs?: number;
}

const WAIT_FOR_OPTION_KEYS = optionKeys<WaitForOptions>({ timeoutMs: true });

/**
 * A strict in-memory ModelReins coordinator for tests and local development.
 *
 * Where PROTOCOL.md is silent, it chooses:
 * - unknown body fields and query parameters are refused (400), a JSON body
 *   without `content-type: application/json` too (415);
 * - a claim by a paused worker is 409, and every claim while the killswitch
 *   holds (it pauses every worker, those first seen while it holds too);
 *   dispatch under the killswitch is 423 (not 503, which clients retry);
 *   running jobs are cancelled by the killswitch, every level alike;
 * - `GET /my-jobs` lists the jobs a worker claimed, and unclaimed ones
 *   assigned to it: a cancelled, requeued or reassigned job leaves its
 *   "running" list at once;
 * - `POST /dispatch` with `assigned_to` assigns without checking presence;
 * - `Idempotency-Key` stores 2xx answers only; a reused key with another
 *   JSON body is 422; replays carry `idempotent-replayed: true`;
 * - one `maxBodyBytes` limit for every body; statuses: 201 for created jobs,
 *   artifacts, reviews and workers, 200 for `/dispatch` (as documented);
 * - `GET /v/<id>` (the one-time token view) and `GET /s/<slug>` need no token;
 * - job lists are oldest first; `GET /api/workers/<id>` also accepts a name.
 *
 * @example
 * const coordinator = createCoordinator();
 * const worker = new Worker({ fetch: coordinator.fetch, url: coordinator.url, token: coordinator.workerToken, name: "w1" });
 * const job = coordinator.createJob({ prompt: "hello", assigned_to: "w1" });
 * await coordinator.waitFor(job.id, "done");
 */
export interface Coordinator {
  /** The base URL: `http://coordinator.localhost` (or the `url` option), the real one while `listen()`ing. */
  readonly url: string;
  /** The admin token. */
  readonly adminToken: string;
  /** The first worker token. */
  readonly workerToken: string;
  /**
   * A `fetch` that the coordinator answers in memory. Pass it to the SDK's
   * `fetch` option. It honours `init.signal`, and rejects with
   * `TypeError("fetch failed")` when a fault drops the connection or the
   * coordinator is closed. Requests must target `url`.
   */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /**
   * Serves the coordinator over HTTP on loopback (port 0 by default: a free
   * one). `url` becomes the real URL until the listener closes. The web
   * console is at the root of that URL (`${listener.url}/`). Requests whose
   * `Host` is not the listener's own address or `localhost` with its port are
   * answered 421, so other sites cannot reach it through DNS rebinding.
   */
  listen(options?: ListenOptions): Promise<Listener>;
  /** Fault injection: see {@link Faults}. */
  readonly faults: Faults;
  /** Subscribes to every event; returns the unsubscribe function. */
  on(listener: CoordinatorListener): () => void;
  /**
   * Connection options for a `Worker` served by this coordinator in memory.
   * @example new Worker({ ...coordinator.workerOptions(), name: "image-bot" })
   */
  workerOptions(): ConnectionSettings;
  /**
   * Connection options for a `ModelReins` client served by this coordinator in memory.
   * @example new ModelReins(coordinator.adminOptions())
   */
  adminOptions(): ConnectionSettings;
  /** Accepts one more worker token (a random one when not given) and returns it. */
  addWorkerToken(token?: string): string;
  /** Creates a pending job without HTTP, as `POST /api/jobs` does. Throws CoordinatorError when invalid. */
  createJob(job: NewJob): CoordinatorJob;
  /**
   * Dispatches a job without HTTP, as `POST /dispatch` does: to `assigned_to`,
   * else to the least loaded eligible worker. Throws CoordinatorError (503)
   * when no worker is eligible, (423) under the killswitch.
   */
  dispatch(job: NewJob): CoordinatorJob;
  /** A copy of a job. Throws CoordinatorError (404) when unknown. */
  job(id: JobId): CoordinatorJob;
  /** Copies of every job, oldest first. */
  jobs(): CoordinatorJob[];
  /** How many times a job was completed: to prove "exactly once". */
  completions(id: JobId): number;
  /**
   * Resolves with the job once it is in `status` (or one of them). Rejects on
   * timeout with a message that names the job's current state.
   */
  waitFor(
    id: JobId,
    status: LocalJobStatus | readonly LocalJobStatus[],
    options?: WaitForOptions,
  ): Promise<CoordinatorJob>;
  /** Every instance's last heartbeat. */
  presence(): PresenceRecord[];
  /** Every worker, registered or seen through a heartbeat. */
  workers(): WorkerRecord[];
  /** The log of requests answered (or dropped), oldest first. */
  readonly requests: readonly RequestRecord[];
  /** Every uploaded artifact, with its bytes. */
  artifacts(): ArtifactRecord[];
  /** Every submitted review. */
  reviews(): ReviewRecord[];
  /** Approves a pending review. */
  approveReview(id: JobId, note?: string): ReviewRecord;
  /** Rejects a pending review. */
  rejectReview(id: JobId, reason?: string): ReviewRecord;
  /** Forgets jobs, workers, presence, artifacts, reviews, minted tokens, faults, idempotency keys and the request log. Keeps listeners and the HTTP listener. */
  reset(): void;
  /** Closes the HTTP listener and ends stalled requests. `fetch` fails afterwards. */
  close(): Promise<void>;
  /** `await using coordinator = createCoordinator()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The `url`, `token` and in-memory `fetch` that reach a coordinator. */
export interface ConnectionSettings {
  url: string;
  token: string;
  /** The coordinator's in-memory `fetch`. */
  fetch: Coordinator["fetch"];
}

/** Creates a local coordinator. */
export function createCoordinator(options?: CoordinatorOptions): Coordinator {
  return new LocalCoordinator(options);
}

class LocalCoordinator implements Coordinator {
  readonly #options: ResolvedOptions;
  readonly #emitter: Emitter;
  readonly #state: State;
  readonly #router: Router;
  readonly #faults: FaultSet;
  readonly #idempotency = new IdempotencyStore();
  readonly #closing = new AbortController();
  #requests: RequestRecord[] = [];
  #listener: Listener | undefined;

  constructor(options?: CoordinatorOptions) {
    this.#options = resolveOptions(options);
    const random = createRandom(this.#options.seed);
    this.#emitter = new Emitter(this.#options.now);
    if (options?.onEvent) this.#emitter.on(options.onEvent);
    const emit = this.#emitter.emit.bind(this.#emitter);
    this.#state = new State({ options: this.#options, random, emit, baseUrl: () => this.url });
    this.#router = new Router(this.#options.routes);
    this.#faults = new FaultSet(random, [
      ...Object.keys(this.#options.routes),
      ...Object.keys(COORDINATOR_ONLY_ROUTES),
    ]);
  }

  get url(): string {
    return this.#listener?.url ?? this.#options.url;
  }

  get adminToken(): string {
    return this.#options.adminToken;
  }

  get workerToken(): string {
    return this.#options.workerToken;
  }

  get faults(): Faults {
    return this.#faults;
  }

  workerOptions(): ConnectionSettings {
    return { url: this.url, token: this.workerToken, fetch: this.fetch };
  }

  adminOptions(): ConnectionSettings {
    return { url: this.url, token: this.adminToken, fetch: this.fetch };
  }

  get requests(): readonly RequestRecord[] {
    return this.#requests.map((r) => ({ ...r }));
  }

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    if (this.#closing.signal.aborted) throw fetchFailed("the local coordinator is closed");
    if (request.signal.aborted) throw request.signal.reason;
    const origin = new URL(request.url).origin;
    if (origin !== this.#options.url && origin !== this.#listener?.url) {
      throw fetchFailed(`${origin} is not the local coordinator's URL (${this.url}); pass url: coordinator.url`);
    }
    const signal = AbortSignal.any([request.signal, this.#closing.signal]);
    try {
      const response = await untilAborted(this.#handle(request, signal), request.signal);
      Object.defineProperty(response, "url", { value: request.url });
      return response;
    } catch (error) {
      if (error instanceof DroppedConnection) throw fetchFailed(error.message);
      if (this.#closing.signal.aborted && error === this.#closing.signal.reason) {
        throw fetchFailed("the local coordinator closed");
      }
      throw error;
    }
  };

  #handle(request: Request, signal: AbortSignal): Promise<Response> {
    return handle(
      {
        options: this.#options,
        state: this.#state,
        router: this.#router,
        faults: this.#faults,
        idempotency: this.#idempotency,
        emit: (event) => this.#emitter.emit(event),
        log: (record) => {
          this.#requests.push(record);
          this.#emitter.emit({ type: "request", request: { ...record } });
        },
      },
      request,
      signal,
    );
  }

  async listen(options?: ListenOptions): Promise<Listener> {
    if (this.#closing.signal.aborted) throw new Error("listen: the local coordinator is closed.");
    if (this.#listener !== undefined) throw new Error(`listen: already listening on ${this.#listener.url}.`);
    const consoleServer = new ConsoleServer(this.#consoleBackend());
    const server = await startHttpServer((request, signal) => {
      const both = AbortSignal.any([signal, this.#closing.signal]);
      if (ConsoleServer.serves(new URL(request.url).pathname)) return consoleServer.handle(request, both);
      return this.#handle(request, both);
    }, options);
    const listener: Listener = {
      url: server.url,
      close: async () => {
        if (this.#listener === listener) this.#listener = undefined;
        await server.close();
      },
    };
    this.#listener = listener;
    return listener;
  }

  /** What the web console reads and does; its actions go through the admin routes with the admin token. */
  #consoleBackend(): ConsoleBackend {
    return {
      snapshot: () => {
        this.#state.sweep();
        return {
          now: new Date(this.#options.now()).toISOString(),
          killswitch: this.#state.killswitch(),
          jobs: this.#state.jobs(),
          workers: this.#state.roster.workers(),
          presence: this.#state.roster.presence(),
          reviews: this.#state.outputs.reviews(),
          artifacts: this.#state.outputs.artifacts().map(({ bytes: _, ...artifact }) => artifact),
        };
      },
      admin: (call, origin, signal) => {
        const { method, path } = buildRoute(this.#options.routes, call.route, call.params);
        const request = new Request(`${origin}${path}${call.query ?? ""}`, {
          method,
          headers: { authorization: `Bearer ${this.adminToken}`, "content-type": "application/json" },
          body: JSON.stringify(call.body ?? {}),
        });
        return this.#handle(request, signal);
      },
      artifact: (slug) => this.#state.outputs.artifact(slug),
      decideReview: (id, decision, note) =>
        decision === "approved" ? this.approveReview(id, note) : this.rejectReview(id, note),
      on: (listener) => this.#emitter.on(listener),
    };
  }

  on(listener: CoordinatorListener): () => void {
    return this.#emitter.on(listener);
  }

  addWorkerToken(token?: string): string {
    return this.#state.roster.addWorkerToken(token);
  }

  createJob(job: NewJob): CoordinatorJob {
    return this.#state.createJob(parseNewJob(job, "job"));
  }

  dispatch(job: NewJob): CoordinatorJob {
    this.#state.sweep();
    return this.#state.dispatch(parseNewJob(job, "job"));
  }

  job(id: JobId): CoordinatorJob {
    this.#state.sweep();
    return this.#state.job(helperId(id, "job"));
  }

  jobs(): CoordinatorJob[] {
    this.#state.sweep();
    return this.#state.jobs();
  }

  completions(id: JobId): number {
    return this.#state.completions(helperId(id, "completions"));
  }

  waitFor(
    id: JobId,
    status: LocalJobStatus | readonly LocalJobStatus[],
    given?: WaitForOptions,
  ): Promise<CoordinatorJob> {
    const options = checkOptions(given, WAIT_FOR_OPTION_KEYS, "waitFor() options");
    const jobId = helperId(id, "waitFor");
    const wanted: readonly string[] = typeof status === "string" ? [status] : status;
    const timeoutMs = options.timeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      let requeueTimer: NodeJS.Timeout | undefined;
      const check = (): void => {
        this.#state.sweep();
        const job = this.#state.peek(jobId);
        if (job !== undefined && wanted.includes(job.status)) {
          cleanup();
          resolve(job);
          return;
        }
        // A silent worker's job is requeued at a known time: check again then.
        clearTimeout(requeueTimer);
        const due = this.#state.nextRequeueInMs();
        if (due !== undefined) requeueTimer = setTimeout(check, due + 1).unref();
      };
      const unsubscribe = this.#emitter.on(check);
      const timeout = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `waitFor: job ${jobId} did not become ${wanted.join(" or ")} within ${timeoutMs} ms; ${describeJob(this.#state.peek(jobId), jobId)}.`,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        unsubscribe();
        clearTimeout(timeout);
        clearTimeout(requeueTimer);
      };
      check();
    });
  }

  presence(): PresenceRecord[] {
    this.#state.sweep();
    return this.#state.roster.presence();
  }

  workers(): WorkerRecord[] {
    return this.#state.roster.workers();
  }

  artifacts(): ArtifactRecord[] {
    return this.#state.outputs.artifacts();
  }

  reviews(): ReviewRecord[] {
    return this.#state.outputs.reviews();
  }

  approveReview(id: JobId, note?: string): ReviewRecord {
    return this.#state.outputs.decide(helperId(id, "approveReview"), "approved", note ?? null);
  }

  rejectReview(id: JobId, reason?: string): ReviewRecord {
    return this.#state.outputs.decide(helperId(id, "rejectReview"), "rejected", reason ?? null);
  }

  reset(): void {
    this.#state.reset();
    this.#faults.clear();
    this.#idempotency.clear();
    this.#requests = [];
  }

  async close(): Promise<void> {
    if (!this.#closing.signal.aborted) this.#closing.abort(new Error("the local coordinator closed"));
    await this.#listener?.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function helperId(id: JobId, helper: string): number {
  const parsed = parseId(id);
  if (parsed === undefined) throw new TypeError(`${helper}: ids are positive integers; got ${JSON.stringify(id)}.`);
  return parsed;
}

function describeJob(job: CoordinatorJob | undefined, id: number): string {
  if (job === undefined) return `job ${id} does not exist`;
  const parts = [`it is ${job.status}`];
  if (job.assigned_to !== null) parts.push(`assigned to ${JSON.stringify(job.assigned_to)}`);
  if (job.claimed_by !== null) parts.push(`claimed by ${JSON.stringify(job.claimed_by)}`);
  if (job.requeues > 0) parts.push(`requeued ${job.requeues} time${job.requeues > 1 ? "s" : ""}`);
  if (job.result !== null)
    parts.push(`result ${JSON.stringify(job.result.length > 80 ? `${job.result.slice(0, 80)}...` : job.result)}`);
  return parts.join(", ");
}

/** The error global fetch gives for a lost connection. */
function fetchFailed(reason: string): TypeError {
  const cause = Object.assign(new Error(reason), { code: "ECONNRESET" });
  return new TypeError("fetch failed", { cause });
}

/** Rejects with the signal's reason as soon as it aborts, like fetch. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
