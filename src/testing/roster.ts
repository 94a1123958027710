/**
 * Who is out there: tokens, workers (registered or seen through a heartbeat),
 * their presence, and the one-time views that reveal a new worker's token.
 */
import type { JsonObject } from "../types.js";
import type { TokenKind } from "./auth.js";
import type { EventInput } from "./events.js";
import type { ResolvedOptions } from "./options.js";
import type { Random } from "./random.js";
import type { Capability, PresenceRecord, WorkerRecord } from "./records.js";
import { CoordinatorError } from "./reply.js";

/** Heartbeat statuses that take a worker out of dispatch. */
const ABSENT_STATUSES = new Set(["offline", "stopping"]);

interface StoredPresence {
  instance: string;
  status: string;
  tags: string;
  provider: string | null;
  details: JsonObject | null;
  firstSeenMs: number;
  lastSeenMs: number;
}

interface StoredWorker {
  id: number;
  name: string;
  description: string | null;
  capabilities: Capability[];
  registered: boolean;
  paused: boolean;
  createdMs: number;
}

export interface RosterDeps {
  options: ResolvedOptions;
  random: Random;
  emit: (event: EventInput) => void;
  /** Pending and running jobs assigned to a worker name. */
  loadOf: (name: string) => number;
  /** The killswitch pauses every worker: one first seen while it holds starts paused. */
  killswitchActive: () => boolean;
}

export class Roster {
  readonly #deps: RosterDeps;
  #tokens = new Map<string, TokenKind>();
  #presence = new Map<string, StoredPresence>();
  #workers = new Map<number, StoredWorker>();
  #nextWorkerId = 1;
  #views = new Map<string, { token: string; viewed: boolean }>();

  constructor(deps: RosterDeps) {
    this.#deps = deps;
    this.reset();
  }

  reset(): void {
    const { adminToken, workerToken } = this.#deps.options;
    this.#tokens = new Map([
      [adminToken, "admin"],
      [workerToken, "worker"],
    ]);
    this.#presence = new Map();
    this.#workers = new Map();
    this.#nextWorkerId = 1;
    this.#views = new Map();
  }

  tokenKind(token: string): TokenKind | undefined {
    return this.#tokens.get(token);
  }

  addWorkerToken(token?: string): string {
    const value = token ?? `mr_worker_${this.#deps.random.id(24)}`;
    if (!/^[\x21-\x7e]+$/.test(value)) {
      throw new TypeError("addWorkerToken: a token is a non-empty string of visible ASCII characters.");
    }
    if (this.#tokens.get(value) === "admin") throw new TypeError("addWorkerToken: that is the admin token.");
    this.#tokens.set(value, "worker");
    return value;
  }

  heartbeat(input: Omit<StoredPresence, "firstSeenMs" | "lastSeenMs">): PresenceRecord {
    const now = this.#deps.options.now();
    const previous = this.#presence.get(input.instance);
    this.#presence.set(input.instance, { ...input, firstSeenMs: previous?.firstSeenMs ?? now, lastSeenMs: now });
    if (this.#byName(input.instance) === undefined) this.#addWorker(input.instance, null, [], false);
    this.#deps.emit({
      type: "presence",
      instance: input.instance,
      status: input.status,
      first: previous === undefined,
    });
    return this.#presenceView(this.#presence.get(input.instance) as StoredPresence);
  }

  lastSeenMs(name: string): number | undefined {
    return this.#presence.get(name)?.lastSeenMs;
  }

  isPaused(name: string): boolean {
    return this.#byName(name)?.paused ?? false;
  }

  presence(): PresenceRecord[] {
    return [...this.#presence.values()].map((p) => this.#presenceView(p));
  }

  /** Instances that dispatch may choose: online, not paused; least loaded first, then by name. */
  eligible(): string[] {
    return this.presence()
      .filter((p) => p.online && !p.paused)
      .sort((a, b) => a.load - b.load || (a.instance < b.instance ? -1 : 1))
      .map((p) => p.instance);
  }

  register(input: { name: string; description: string | null; capabilities: Capability[] }): {
    worker: WorkerRecord;
    viewId: string;
  } {
    let stored = this.#byName(input.name);
    if (stored?.registered)
      throw new CoordinatorError(409, `a worker named ${JSON.stringify(input.name)} is already registered.`);
    if (stored === undefined) {
      stored = this.#addWorker(input.name, input.description, input.capabilities, true);
    } else {
      // A worker first seen through a heartbeat: registering adopts its record.
      Object.assign(stored, { description: input.description, capabilities: input.capabilities, registered: true });
    }
    const token = this.addWorkerToken();
    const viewId = this.#deps.random.id(20);
    this.#views.set(viewId, { token, viewed: false });
    const worker = this.#workerView(stored);
    this.#deps.emit({ type: "worker", action: "registered", worker });
    return { worker, viewId };
  }

  /** The token behind a one-time view: once, then 410. */
  view(viewId: string): string {
    const view = this.#views.get(viewId);
    if (view === undefined) throw new CoordinatorError(404, "no such view.");
    if (view.viewed) throw new CoordinatorError(410, "this one-time view was already opened.");
    view.viewed = true;
    return view.token;
  }

  workers(): WorkerRecord[] {
    return [...this.#workers.values()].map((w) => this.#workerView(w));
  }

  /** A worker by its id, or by its name when no id matches. */
  worker(idOrName: string): WorkerRecord {
    return this.#workerView(this.#find(idOrName));
  }

  setPaused(idOrName: string, paused: boolean): WorkerRecord {
    const stored = this.#find(idOrName);
    stored.paused = paused;
    const worker = this.#workerView(stored);
    this.#deps.emit({ type: "worker", action: paused ? "paused" : "resumed", worker });
    return worker;
  }

  /** Pauses (or resumes) every worker; returns how many changed. */
  setAllPaused(paused: boolean): number {
    let changed = 0;
    for (const stored of this.#workers.values()) {
      if (stored.paused === paused) continue;
      changed++;
      stored.paused = paused;
      this.#deps.emit({ type: "worker", action: paused ? "paused" : "resumed", worker: this.#workerView(stored) });
    }
    return changed;
  }

  #find(idOrName: string): StoredWorker {
    const stored =
      (/^[0-9]+$/.test(idOrName) ? this.#workers.get(Number(idOrName)) : undefined) ?? this.#byName(idOrName);
    if (stored === undefined) throw new CoordinatorError(404, `no worker ${JSON.stringify(idOrName)}.`);
    return stored;
  }

  #byName(name: string): StoredWorker | undefined {
    for (const stored of this.#workers.values()) if (stored.name === name) return stored;
    return undefined;
  }

  #addWorker(name: string, description: string | null, capabilities: Capability[], registered: boolean): StoredWorker {
    const stored: StoredWorker = {
      id: this.#nextWorkerId++,
      name,
      description,
      capabilities,
      registered,
      paused: this.#deps.killswitchActive(),
      createdMs: this.#deps.options.now(),
    };
    this.#workers.set(stored.id, stored);
    return stored;
  }

  #online(p: StoredPresence): boolean {
    const { now, presenceTtlMs } = this.#deps.options;
    return !ABSENT_STATUSES.has(p.status) && now() - p.lastSeenMs <= presenceTtlMs;
  }

  #presenceView(p: StoredPresence): PresenceRecord {
    return {
      instance: p.instance,
      status: p.status,
      tags: p.tags,
      provider: p.provider,
      details: p.details === null ? null : structuredClone(p.details),
      first_seen: iso(p.firstSeenMs),
      last_seen: iso(p.lastSeenMs),
      online: this.#online(p),
      paused: this.isPaused(p.instance),
      load: this.#deps.loadOf(p.instance),
    };
  }

  #workerView(w: StoredWorker): WorkerRecord {
    const p = this.#presence.get(w.name);
    return {
      id: w.id,
      name: w.name,
      description: w.description,
      capabilities: structuredClone(w.capabilities),
      registered: w.registered,
      paused: w.paused,
      created_at: iso(w.createdMs),
      status: p?.status ?? "unknown",
      last_seen: p === undefined ? null : iso(p.lastSeenMs),
      online: p === undefined ? false : this.#online(p),
      load: this.#deps.loadOf(w.name),
    };
  }
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
