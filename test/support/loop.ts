/**
 * Test support for the run loop: workers with small intervals and a spy
 * logger, started with signal handling off, and stopped after each test.
 */
import { afterEach, beforeEach, vi } from "vitest";
import { type JobHandler, type RunOptions, Worker, type WorkerOptions } from "../../src/index.js";
import {
  BASE,
  FakeCoordinator,
  type MockServer,
  type SpyLogger,
  setupMockServer,
  spyLogger,
  TOKEN,
  WORKER_NAME,
} from "./msw.js";

export interface Running {
  worker: Worker;
  logger: SpyLogger;
  /** `run()`'s promise, with a rejection handler attached so an early failure is not "unhandled". */
  done: Promise<void>;
  /** The error `run()` rejected with, once it did. */
  outcome: () => Promise<unknown>;
}

const started: Worker[] = [];

/** Stops every worker a test started, before msw forgets its handlers. */
export function stopWorkersAfterEach(): void {
  afterEach(async () => {
    await Promise.all(started.splice(0).map((worker) => worker.stop()));
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
}

/**
 * The set-up of the run loop's suites over a mocked coordinator: one msw server, a FakeCoordinator
 * installed anew before each test (`suite.fake`), and every worker a test made stopped after it.
 */
export function mockedCoordinatorSuite(): { readonly mock: MockServer; readonly fake: FakeCoordinator } {
  const mock = setupMockServer();
  stopWorkersAfterEach();
  let fake: FakeCoordinator | undefined;
  beforeEach(() => {
    fake = new FakeCoordinator(mock).install();
  });
  return {
    mock,
    get fake() {
      if (fake === undefined) throw new Error("suite.fake is made before each test, not at collection");
      return fake;
    },
  };
}

/** `vi.waitFor` polling every 5 ms, for 5 s unless told. */
export const waitFor = <T>(check: () => T, timeout = 5_000) => vi.waitFor(check, { timeout, interval: 5 });

export function makeWorker(options: WorkerOptions = {}): { worker: Worker; logger: SpyLogger } {
  const logger = spyLogger();
  const worker = new Worker({
    token: TOKEN,
    url: BASE,
    name: WORKER_NAME,
    pollIntervalMs: 20,
    heartbeatIntervalMs: 50,
    shutdownGraceMs: 2_000,
    logger,
    ...options,
  });
  started.push(worker);
  return { worker, logger };
}

/** Starts `run()` without awaiting it. */
export function startWorker(handler: JobHandler, options: WorkerOptions = {}, runOptions: RunOptions = {}): Running {
  const { worker, logger } = makeWorker(options);
  const done = worker.run(handler, { handleSignals: false, ...runOptions });
  const settled = done.then(
    () => undefined,
    (error: unknown) => error,
  );
  return { worker, logger, done, outcome: () => settled };
}
