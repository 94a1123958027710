/**
 * What the probes answer, decided in one place from a few plain facts about
 * the worker: pure functions, so every rule is tested without a server,
 * a network or timers.
 */
import type { WorkerStatus } from "../worker-status.js";

/** The worker's life as the probes see it: `status().state`. */
export type ProbePhase = WorkerStatus["state"];

/** The facts the probes decide on, gathered from the worker's events. */
export interface ProbeFacts {
  readonly phase: ProbePhase;
  /** Set once `run()` ended on a fatal error (the coordinator refused the token). */
  readonly fatal: string | undefined;
  /** The coordinator paused this worker: it claims nothing until resumed. */
  readonly paused: boolean;
  /** When the loop last showed it turns: `run()` began, a heartbeat ended (answered or failed), an inbox was polled (epoch ms). */
  readonly lastTurnAt: number;
  /** When the coordinator last answered a call of the loop (epoch ms); undefined before the first. */
  readonly lastAnswerAt: number | undefined;
}

/** How old the facts may be before a probe fails, in ms. */
export interface ProbeLimits {
  /** `/healthz` fails when the loop has not turned for this long. */
  readonly stalledAfterMs: number;
  /** `/readyz` fails when the coordinator has not answered for this long. */
  readonly unansweredAfterMs: number;
}

/** A probe's answer: its HTTP status and why. */
export interface ProbeVerdict {
  readonly ok: boolean;
  readonly reason: string;
}

/**
 * The limits for a worker's intervals. A heartbeat is sent every
 * `heartbeatIntervalMs` and ends (answered or failed) within `timeoutMs`, so
 * three of them missing is "far longer than its intervals"; readiness wants an
 * answer within three heartbeats or polls, plus one call's timeout.
 */
export function probeLimits(settings: {
  heartbeatIntervalMs: number;
  pollIntervalMs: number;
  timeoutMs: number;
}): ProbeLimits {
  const { heartbeatIntervalMs, pollIntervalMs, timeoutMs } = settings;
  return {
    stalledAfterMs: 3 * (heartbeatIntervalMs + timeoutMs),
    unansweredAfterMs: 3 * Math.max(heartbeatIntervalMs, pollIntervalMs) + timeoutMs,
  };
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** `/healthz`: alive unless a fatal error ended the run or the loop stopped turning. */
export function liveness(facts: ProbeFacts, now: number, limits: ProbeLimits): ProbeVerdict {
  if (facts.fatal !== undefined) return { ok: false, reason: `the run ended on a fatal error: ${facts.fatal}` };
  if (facts.phase === "stopped") return { ok: false, reason: "the worker has stopped" };
  const quiet = now - facts.lastTurnAt;
  if (quiet > limits.stalledAfterMs) {
    return {
      ok: false,
      reason: `the loop has not turned for ${seconds(quiet)} (limit ${seconds(limits.stalledAfterMs)}): blocked or hung`,
    };
  }
  return { ok: true, reason: facts.phase === "stopping" ? "alive, stopping" : "alive" };
}

/** `/readyz`: ready while running, not paused, and the coordinator answered lately. */
export function readiness(facts: ProbeFacts, now: number, limits: ProbeLimits): ProbeVerdict {
  if (facts.fatal !== undefined) return { ok: false, reason: `the run ended on a fatal error: ${facts.fatal}` };
  if (facts.phase === "stopping") return { ok: false, reason: "stopping: finishing in-flight jobs" };
  if (facts.phase === "stopped") return { ok: false, reason: "the worker has stopped" };
  if (facts.phase === "idle") return { ok: false, reason: "run() has not started yet" };
  if (facts.paused) return { ok: false, reason: "paused by the coordinator" };
  if (facts.lastAnswerAt === undefined) return { ok: false, reason: "the coordinator has not answered yet" };
  const quiet = now - facts.lastAnswerAt;
  if (quiet > limits.unansweredAfterMs) {
    return {
      ok: false,
      reason: `the coordinator has not answered for ${seconds(quiet)} (limit ${seconds(limits.unansweredAfterMs)})`,
    };
  }
  return { ok: true, reason: "ready" };
}
