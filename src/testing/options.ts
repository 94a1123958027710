/**
 * The local coordinator's options, resolved once into a frozen object.
 */
import { checkOptions, describeValue, optionKeys } from "../check-options.js";
import { type RouteName, type Routes, resolveRoutes } from "../routes.js";
import type { CoordinatorListener } from "./events.js";

/** Options of {@link createCoordinator}. */
export interface CoordinatorOptions {
  /**
   * The base URL in fetch mode (`coordinator.fetch`, msw handlers). An origin
   * only, without a path. After `listen()`, `coordinator.url` is the real one.
   * @default "http://coordinator.localhost"
   */
  url?: string;
  /**
   * The admin token (a user API key) for admin calls.
   * @default "mr_admin_local"
   */
  adminToken?: string;
  /**
   * The first worker token. More come from `addWorkerToken()` and from
   * registering workers.
   * @default "mr_worker_local"
   */
  workerToken?: string;
  /**
   * How recent a heartbeat must be for `POST /dispatch` to choose its worker.
   * @default 30_000
   */
  presenceTtlMs?: number;
  /**
   * A running job whose worker has not heartbeated for this long (counted from
   * the later of its claim and the last heartbeat) goes back to `pending`.
   * @default 60_000
   */
  requeueAfterMs?: number;
  /**
   * Whether POST requests with an `Idempotency-Key` header replay the stored
   * answer when the key comes again for the same method and path. Turn it off
   * to test a client against a server without idempotency.
   * @default true
   */
  idempotency?: boolean;
  /**
   * The largest request body accepted, in bytes; a larger one gets 413.
   * @default 67_108_864 (64 MiB)
   */
  maxBodyBytes?: number;
  /**
   * The clock, in ms since the epoch. Inject one to test requeues without
   * waiting: requeues are checked on each request and in the test helpers.
   * @default Date.now
   * @example
   * let now = 0;
   * const coordinator = createCoordinator({ now: () => now });
   * now += 61_000; // the next request or helper call requeues silent jobs
   */
  now?: () => number;
  /**
   * A seed for slugs, one-time ids, minted tokens and fault probabilities, so a
   * run can be repeated exactly. Without it they are random.
   */
  seed?: number;
  /** Receives every event (same as `coordinator.on(listener)`). */
  onEvent?: CoordinatorListener;
  /**
   * Corrections to the route table, as accepted by the `Worker`'s `routes`
   * option, so a coordinator and a worker can be tested with the same table.
   */
  routes?: Partial<Record<RouteName, string>>;
}

/** The keys of {@link CoordinatorOptions}. */
const OPTION_KEYS = optionKeys<CoordinatorOptions>({
  url: true,
  adminToken: true,
  workerToken: true,
  presenceTtlMs: true,
  requeueAfterMs: true,
  idempotency: true,
  maxBodyBytes: true,
  now: true,
  seed: true,
  onEvent: true,
  routes: true,
});

export interface ResolvedOptions {
  readonly url: string;
  readonly adminToken: string;
  readonly workerToken: string;
  readonly presenceTtlMs: number;
  readonly requeueAfterMs: number;
  readonly idempotency: boolean;
  readonly maxBodyBytes: number;
  readonly now: () => number;
  readonly seed: number | undefined;
  readonly routes: Routes;
}

export const DEFAULT_URL = "http://coordinator.localhost";
export const DEFAULT_ADMIN_TOKEN = "mr_admin_local";
export const DEFAULT_WORKER_TOKEN = "mr_worker_local";

export function resolveOptions(given?: CoordinatorOptions): ResolvedOptions {
  const options = checkOptions(given, OPTION_KEYS, "createCoordinator() options");
  const adminToken = token(options.adminToken ?? DEFAULT_ADMIN_TOKEN, "adminToken");
  const workerToken = token(options.workerToken ?? DEFAULT_WORKER_TOKEN, "workerToken");
  if (adminToken === workerToken) {
    throw new TypeError("createCoordinator: adminToken and workerToken must differ.");
  }
  return Object.freeze({
    url: originOnly(options.url ?? DEFAULT_URL),
    adminToken,
    workerToken,
    presenceTtlMs: positive(options.presenceTtlMs ?? 30_000, "presenceTtlMs"),
    requeueAfterMs: positive(options.requeueAfterMs ?? 60_000, "requeueAfterMs"),
    idempotency: options.idempotency ?? true,
    maxBodyBytes: positive(options.maxBodyBytes ?? 64 * 1024 * 1024, "maxBodyBytes"),
    now: options.now ?? Date.now,
    seed: options.seed,
    routes: resolveRoutes(options.routes),
  });
}

function originOnly(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TypeError(`createCoordinator: url must be an absolute URL; got ${JSON.stringify(raw)}.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`createCoordinator: url must be http: or https:; got ${JSON.stringify(raw)}.`);
  }
  if (url.pathname.replace(/\/+$/, "") !== "" || url.search || url.hash) {
    throw new TypeError(
      `createCoordinator: url must be an origin without a path, such as "http://coordinator.localhost"; got ${JSON.stringify(raw)}.`,
    );
  }
  return url.origin;
}

function positive(value: number, name: string): number {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`createCoordinator: ${name} must be a number; got ${describeValue(value)}.`);
  }
  // Node fires timers past 2^31 - 1 ms at once, which would turn waits into busy loops.
  if (!Number.isFinite(value) || value <= 0 || value > 2_147_483_647) {
    throw new TypeError(
      `createCoordinator: ${name} must be more than 0 and at most 2147483647; got ${describeValue(value)}.`,
    );
  }
  return value;
}

export function token(value: string, name: string): string {
  if (typeof value !== "string" || !/^[\x21-\x7e]+$/.test(value)) {
    throw new TypeError(`createCoordinator: ${name} must be a non-empty string of visible ASCII characters.`);
  }
  return value;
}
