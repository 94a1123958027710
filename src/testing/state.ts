/**
 * The coordinator's state and its transitions: jobs (pending → running →
 * done/failed; cancelled), requeues of silent workers' jobs, the killswitch;
 * workers and presence live in the roster, artifacts and reviews in outputs.
 * Transitions refuse what the protocol forbids by throwing CoordinatorError.
 */
import type { JobPriority } from "../types.js";
import type { EventInput } from "./events.js";
import type { ResolvedOptions } from "./options.js";
import { Outputs } from "./outputs.js";
import type { Random } from "./random.js";
import type { CoordinatorJob, KillswitchState, LocalJobStatus, NewJob } from "./records.js";
import { CoordinatorError } from "./reply.js";
import { iso, Roster } from "./roster.js";

export interface StateDeps {
  options: ResolvedOptions;
  random: Random;
  emit: (event: EventInput) => void;
  baseUrl: () => string;
}

/** A job's fields that `PUT /api/jobs/<id>` may change. */
export interface JobPatch {
  tags?: string[];
  priority?: JobPriority;
  tier?: string | null;
}

const PRIORITY_RANK: Record<string, number> = { high: 0, normal: 1, low: 2 };
const FINISHED: ReadonlySet<LocalJobStatus> = new Set(["done", "failed", "cancelled"]);
const INACTIVE: KillswitchState = Object.freeze({ active: false, level: null, reason: null, activated_at: null });

export class State {
  readonly roster: Roster;
  readonly outputs: Outputs;
  readonly #deps: StateDeps;
  #jobs = new Map<number, CoordinatorJob>();
  #nextJobId = 1;
  #completions = new Map<number, number>();
  #killswitch: KillswitchState = INACTIVE;

  constructor(deps: StateDeps) {
    this.#deps = deps;
    this.roster = new Roster({
      ...deps,
      loadOf: (name) => this.loadOf(name),
      killswitchActive: () => this.#killswitch.active,
    });
    this.outputs = new Outputs(deps);
  }

  reset(): void {
    this.#jobs = new Map();
    this.#nextJobId = 1;
    this.#completions = new Map();
    this.#killswitch = INACTIVE;
    this.roster.reset();
    this.outputs.reset();
  }

  /** The coordinator's clock. */
  now(): number {
    return this.#deps.options.now();
  }

  /** Requeues running jobs whose worker has been silent for `requeueAfterMs`. */
  sweep(): void {
    const now = this.now();
    const requeued: { job: CoordinatorJob; worker: string | null }[] = [];
    for (const job of this.#jobs.values()) {
      const due = this.#requeueDue(job);
      if (due === undefined || now < due) continue;
      const worker = job.claimed_by;
      Object.assign(job, { status: "pending", claimed_by: null, started_at: null, updated_at: iso(now) });
      job.requeues++;
      requeued.push({ job: clone(job), worker });
    }
    // Emit after every change, so a listener that sweeps again sees a settled state.
    for (const { job, worker } of requeued) this.#deps.emit({ type: "requeue", job, worker });
  }

  /** Milliseconds until the next requeue is due, if a job is running. */
  nextRequeueInMs(): number | undefined {
    let next: number | undefined;
    for (const job of this.#jobs.values()) {
      const due = this.#requeueDue(job);
      if (due !== undefined && (next === undefined || due < next)) next = due;
    }
    return next === undefined ? undefined : Math.max(0, next - this.now());
  }

  #requeueDue(job: CoordinatorJob): number | undefined {
    if (job.status !== "running" || job.started_at === null) return undefined;
    const heartbeat = job.claimed_by === null ? undefined : this.roster.lastSeenMs(job.claimed_by);
    return Math.max(Date.parse(job.started_at), heartbeat ?? -Infinity) + this.#deps.options.requeueAfterMs;
  }

  loadOf(name: string): number {
    let load = 0;
    for (const job of this.#jobs.values()) {
      if (job.assigned_to === name && (job.status === "pending" || job.status === "running")) load++;
    }
    return load;
  }

  createJob(input: NewJob): CoordinatorJob {
    const job = this.#insert(input, input.assigned_to ?? null);
    this.#deps.emit({ type: "create", job: clone(job) });
    return clone(job);
  }

  /** Creates a job for `assigned_to`, or for the least loaded eligible worker. */
  dispatch(input: NewJob): CoordinatorJob {
    this.#refuseWhileKilled("dispatch");
    let worker = input.assigned_to ?? null;
    if (worker === null) {
      worker = this.roster.eligible()[0] ?? null;
      if (worker === null) {
        throw new CoordinatorError(
          503,
          `no eligible worker: none has heartbeated within ${this.#deps.options.presenceTtlMs} ms with a status other than offline/stopping and is not paused.`,
        );
      }
    }
    const job = this.#insert(input, worker);
    this.#deps.emit({ type: "dispatch", job: clone(job), worker });
    return clone(job);
  }

  #insert(input: NewJob, assignedTo: string | null): CoordinatorJob {
    const now = iso(this.now());
    const job: CoordinatorJob = {
      id: this.#nextJobId++,
      prompt: input.prompt,
      status: "pending",
      input: input.input === undefined ? null : structuredClone(input.input),
      provider: input.provider ?? null,
      model: input.model ?? null,
      priority: input.priority ?? "normal",
      tier: input.tier ?? null,
      tags: [...(input.tags ?? [])],
      assigned_to: assignedTo,
      claimed_by: null,
      result: null,
      created_at: now,
      updated_at: now,
      started_at: null,
      completed_at: null,
      cancel_reason: null,
      requeues: 0,
      retries: 0,
    };
    this.#jobs.set(job.id, job);
    return job;
  }

  #get(id: number): CoordinatorJob {
    const job = this.#jobs.get(id);
    if (job === undefined) throw new CoordinatorError(404, `no job ${id}.`);
    return job;
  }

  hasJob(id: number): boolean {
    return this.#jobs.has(id);
  }

  job(id: number): CoordinatorJob {
    return clone(this.#get(id));
  }

  /** The job's current record without cloning a missing one (for waitFor). */
  peek(id: number): CoordinatorJob | undefined {
    const job = this.#jobs.get(id);
    return job === undefined ? undefined : clone(job);
  }

  jobs(): CoordinatorJob[] {
    return [...this.#jobs.values()].map(clone);
  }

  /**
   * `worker`'s jobs in `status`, high priority first, then oldest first: those it
   * claimed, and unclaimed ones assigned to it. A job requeued, cancelled or
   * claimed by another worker leaves its "running" list at once.
   */
  inbox(worker: string, status: LocalJobStatus): CoordinatorJob[] {
    return [...this.#jobs.values()]
      .filter((job) => (job.claimed_by ?? job.assigned_to) === worker && job.status === status)
      .sort((a, b) => (PRIORITY_RANK[a.priority] ?? 1) - (PRIORITY_RANK[b.priority] ?? 1) || a.id - b.id)
      .map(clone);
  }

  claim(id: number, worker: string): CoordinatorJob {
    const job = this.#get(id);
    // Paused workers' claims are 409 (PROTOCOL.md); the killswitch pauses every worker.
    if (this.#killswitch.active) {
      throw new CoordinatorError(409, `${this.#killswitchText()}; every worker is paused and claims are refused.`);
    }
    if (this.roster.isPaused(worker)) {
      throw new CoordinatorError(409, `worker ${JSON.stringify(worker)} is paused: it takes no jobs until resumed.`);
    }
    if (job.status !== "pending") {
      const by = job.claimed_by === null ? "" : ` (claimed by ${JSON.stringify(job.claimed_by)})`;
      throw new CoordinatorError(409, `job ${id} is ${job.status}${by}, not pending.`);
    }
    if (job.assigned_to !== null && job.assigned_to !== worker) {
      throw new CoordinatorError(409, `job ${id} is assigned to ${JSON.stringify(job.assigned_to)}.`);
    }
    const now = iso(this.now());
    Object.assign(job, { status: "running", claimed_by: worker, started_at: now, updated_at: now });
    this.#deps.emit({ type: "claim", job: clone(job), worker });
    return clone(job);
  }

  complete(id: number, worker: string, status: "done" | "failed", result: string): CoordinatorJob {
    const job = this.#get(id);
    if (job.status !== "running") {
      throw new CoordinatorError(409, `job ${id} is ${job.status}, not running: it cannot be completed.`);
    }
    if (job.claimed_by !== worker) {
      throw new CoordinatorError(
        409,
        `job ${id} was claimed by ${JSON.stringify(job.claimed_by)}, not ${JSON.stringify(worker)}.`,
      );
    }
    const now = iso(this.now());
    Object.assign(job, { status, result, completed_at: now, updated_at: now });
    this.#completions.set(id, (this.#completions.get(id) ?? 0) + 1);
    this.#deps.emit({ type: "complete", job: clone(job), worker, status });
    return clone(job);
  }

  /** How many times a job was completed (accepted `complete` calls). */
  completions(id: number): number {
    return this.#completions.get(id) ?? 0;
  }

  update(id: number, patch: JobPatch): CoordinatorJob {
    const job = this.#get(id);
    if (FINISHED.has(job.status))
      throw new CoordinatorError(409, `job ${id} is ${job.status}: it can no longer be changed.`);
    if (patch.tags !== undefined) job.tags = [...patch.tags];
    if (patch.priority !== undefined) job.priority = patch.priority;
    if (patch.tier !== undefined) job.tier = patch.tier;
    job.updated_at = iso(this.now());
    this.#deps.emit({ type: "update", job: clone(job) });
    return clone(job);
  }

  list(filter: { status?: LocalJobStatus; provider?: string; limit: number; offset: number }): {
    jobs: CoordinatorJob[];
    total: number;
  } {
    const matching = [...this.#jobs.values()].filter(
      (job) =>
        (filter.status === undefined || job.status === filter.status) &&
        (filter.provider === undefined || job.provider === filter.provider),
    );
    return { jobs: matching.slice(filter.offset, filter.offset + filter.limit).map(clone), total: matching.length };
  }

  cancel(id: number, reason: string): CoordinatorJob {
    const job = this.#get(id);
    if (job.status !== "pending" && job.status !== "running") {
      throw new CoordinatorError(409, `job ${id} is ${job.status}: only pending or running jobs can be cancelled.`);
    }
    this.#cancel(job, reason);
    return clone(job);
  }

  #cancel(job: CoordinatorJob, reason: string): void {
    const now = iso(this.now());
    Object.assign(job, { status: "cancelled", cancel_reason: reason, completed_at: now, updated_at: now });
    this.#deps.emit({ type: "cancel", job: clone(job), reason });
  }

  retry(id: number): CoordinatorJob {
    const job = this.#get(id);
    if (job.status !== "failed" && job.status !== "cancelled") {
      throw new CoordinatorError(409, `job ${id} is ${job.status}: only failed or cancelled jobs can be retried.`);
    }
    Object.assign(job, {
      status: "pending",
      claimed_by: null,
      result: null,
      started_at: null,
      completed_at: null,
      cancel_reason: null,
      updated_at: iso(this.now()),
    });
    job.retries++;
    this.#deps.emit({ type: "retry", job: clone(job) });
    return clone(job);
  }

  killswitch(): KillswitchState {
    return { ...this.#killswitch };
  }

  /**
   * Cancels running jobs and pauses every worker (those first seen while it
   * holds too); refuses dispatch until cleared. Claims are refused as paused
   * workers' are, until the workers are resumed.
   */
  activateKillswitch(
    level: number,
    reason: string,
  ): { killswitch: KillswitchState; cancelled_jobs: number[]; paused_workers: number } {
    this.#killswitch = { active: true, level, reason, activated_at: iso(this.now()) };
    const cancelled: number[] = [];
    for (const job of this.#jobs.values()) {
      if (job.status !== "running") continue;
      this.#cancel(job, `killswitch: ${reason}`);
      cancelled.push(job.id);
    }
    const paused = this.roster.setAllPaused(true);
    this.#deps.emit({ type: "killswitch", action: "activated", killswitch: this.killswitch() });
    return { killswitch: this.killswitch(), cancelled_jobs: cancelled, paused_workers: paused };
  }

  clearKillswitch(resumeAll: boolean): { killswitch: KillswitchState; resumed_workers: number } {
    const wasActive = this.#killswitch.active;
    this.#killswitch = INACTIVE;
    const resumed = resumeAll ? this.roster.setAllPaused(false) : 0;
    if (wasActive) this.#deps.emit({ type: "killswitch", action: "cleared", killswitch: this.killswitch() });
    return { killswitch: this.killswitch(), resumed_workers: resumed };
  }

  #refuseWhileKilled(what: string): void {
    if (this.#killswitch.active)
      throw new CoordinatorError(423, `${this.#killswitchText()}; ${what} refused until it is cleared.`);
  }

  #killswitchText(): string {
    return `the killswitch is active (level ${this.#killswitch.level}: ${this.#killswitch.reason})`;
  }
}

function clone(job: CoordinatorJob): CoordinatorJob {
  return structuredClone(job);
}
