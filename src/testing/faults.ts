/**
 * Fault injection: make chosen requests fail the way networks and servers do,
 * so clients' retries and idempotency can be tested.
 */
import { checkOptions, describeValue, optionKeys } from "../check-options.js";
import type { Random } from "./random.js";
import type { CoordinatorRouteName } from "./router.js";

/**
 * - `drop-before`: the connection drops before the coordinator acts (fetch
 *   mode: rejects with `TypeError("fetch failed")`; HTTP: the socket is destroyed).
 * - `drop-after`: the coordinator acts (state changes), then the answer is lost the same way.
 * - `status`: answers `status` (with `Retry-After` when given) without acting.
 * - `stall`: never answers; the request ends only when its signal aborts (HTTP:
 *   when the client closes the connection), or when the coordinator closes.
 */
export type FaultKind = "drop-before" | "drop-after" | "status" | "stall";

/** A fault to inject: see {@link FaultKind}. */
export interface FaultSpec {
  /**
   * The route-table name of the requests to hit, or `"*"` for every request.
   * @default "*"
   */
  route?: CoordinatorRouteName | "*";
  kind: FaultKind;
  /** For `status`: the status to answer (400-599). */
  status?: number;
  /** For `status`: a `Retry-After` header value, such as `"2"`. */
  retryAfter?: string;
  /**
   * How many requests it hits, then it is spent.
   * @default Infinity
   */
  times?: number;
  /**
   * The chance that a matching request is hit (seeded by the `seed` option).
   * @default 1
   */
  probability?: number;
}

/** An added fault. */
export interface Fault {
  readonly spec: Readonly<FaultSpec>;
  /** How many requests it has hit so far. */
  readonly hits: number;
  /** Removes it. */
  remove(): void;
}

/** The faults of a coordinator: `coordinator.faults`. */
export interface Faults {
  /** Adds a fault; the first added fault that matches a request hits it. */
  add(spec: FaultSpec): Fault;
  /** Removes every fault. */
  clear(): void;
  /** The faults that are not spent. */
  list(): Fault[];
}

interface Entry {
  spec: Readonly<FaultSpec>;
  hits: number;
}

const KINDS: readonly FaultKind[] = ["drop-before", "drop-after", "status", "stall"];

export class FaultSet implements Faults {
  #entries: Entry[] = [];
  readonly #random: Random;
  readonly #routes: readonly string[];

  /** `routes`: the route names a fault may target. */
  constructor(random: Random, routes: readonly string[]) {
    this.#random = random;
    this.#routes = routes;
  }

  add(spec: FaultSpec): Fault {
    if (spec.route !== undefined && spec.route !== "*" && !this.#routes.includes(spec.route)) {
      throw new TypeError(
        `faults.add: unknown route ${JSON.stringify(spec.route)}; use "*" or one of ${this.#routes.join(", ")}.`,
      );
    }
    const entry: Entry = { spec: Object.freeze({ ...check(spec) }), hits: 0 };
    this.#entries.push(entry);
    return this.#handle(entry);
  }

  clear(): void {
    this.#entries = [];
  }

  list(): Fault[] {
    return this.#entries.map((entry) => this.#handle(entry));
  }

  /** Picks the fault that hits a request matched to `names` (none: no route matched), counting the hit. */
  pick(names: readonly CoordinatorRouteName[]): Readonly<FaultSpec> | undefined {
    for (const entry of this.#entries) {
      const route = entry.spec.route ?? "*";
      if (route !== "*" && !names.includes(route)) continue;
      const probability = entry.spec.probability ?? 1;
      if (probability < 1 && this.#random.next() >= probability) continue;
      entry.hits++;
      if (entry.hits >= (entry.spec.times ?? Infinity)) {
        this.#entries = this.#entries.filter((e) => e !== entry);
      }
      return entry.spec;
    }
    return undefined;
  }

  #handle(entry: Entry): Fault {
    return {
      spec: entry.spec,
      get hits() {
        return entry.hits;
      },
      remove: () => {
        this.#entries = this.#entries.filter((e) => e !== entry);
      },
    };
  }
}

const SPEC_KEYS = optionKeys<FaultSpec>({
  route: true,
  kind: true,
  status: true,
  retryAfter: true,
  times: true,
  probability: true,
});

function check(given: FaultSpec): FaultSpec {
  if (given === undefined) throw new TypeError('faults.add needs a fault such as { kind: "drop-after" }.');
  const spec = checkOptions(given, SPEC_KEYS, "the fault of faults.add()");
  if (!KINDS.includes(spec.kind)) {
    throw new TypeError(`faults.add: kind must be one of ${KINDS.join(", ")}; got ${describeValue(spec.kind)}.`);
  }
  if (spec.kind === "status") {
    if (spec.status === undefined || !Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) {
      throw new TypeError(`faults.add: a "status" fault needs status, an integer from 400 to 599.`);
    }
  } else if (spec.status !== undefined || spec.retryAfter !== undefined) {
    throw new TypeError(`faults.add: status and retryAfter only apply to "status" faults.`);
  }
  if (spec.times !== undefined && !(spec.times >= 1)) {
    throw new TypeError("faults.add: times must be at least 1.");
  }
  if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) {
    throw new TypeError("faults.add: probability must be from 0 to 1.");
  }
  return spec;
}

/** How a fault surfaces to the transport: the connection is lost. */
export class DroppedConnection extends Error {
  override readonly name = "DroppedConnection";
  constructor(readonly when: "before" | "after") {
    super(`coordinator fault: the connection was dropped ${when} the request was handled`);
  }
}
