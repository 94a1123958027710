/**
 * The local coordinator's events, for logs and for `waitFor`: one typed union
 * and a thin emitter. Every event carries `time` (the coordinator's clock, ms).
 */
import type { FaultKind } from "./faults.js";
import type {
  ArtifactRecord,
  CoordinatorJob,
  KillswitchState,
  RequestRecord,
  ReviewRecord,
  WorkerRecord,
} from "./records.js";

/** Every event the local coordinator emits, by its `type`. */
export type CoordinatorEvent =
  | { type: "request"; time: number; request: RequestRecord }
  | { type: "presence"; time: number; instance: string; status: string; first: boolean }
  | { type: "create"; time: number; job: CoordinatorJob }
  | { type: "dispatch"; time: number; job: CoordinatorJob; worker: string }
  | { type: "claim"; time: number; job: CoordinatorJob; worker: string }
  | { type: "complete"; time: number; job: CoordinatorJob; worker: string; status: "done" | "failed" }
  | { type: "requeue"; time: number; job: CoordinatorJob; worker: string | null }
  | { type: "update"; time: number; job: CoordinatorJob }
  | { type: "cancel"; time: number; job: CoordinatorJob; reason: string }
  | { type: "retry"; time: number; job: CoordinatorJob }
  | { type: "artifact"; time: number; artifact: Omit<ArtifactRecord, "bytes">; absoluteUrl: string }
  | { type: "review"; time: number; action: "submitted" | "approved" | "rejected"; review: ReviewRecord }
  | { type: "worker"; time: number; action: "registered" | "paused" | "resumed"; worker: WorkerRecord }
  | { type: "killswitch"; time: number; action: "activated" | "cleared"; killswitch: KillswitchState }
  | { type: "fault"; time: number; kind: FaultKind; method: string; path: string; route: string | null };

/** The `type` of an event. */
export type CoordinatorEventType = CoordinatorEvent["type"];

/** A function that receives every event. */
export type CoordinatorListener = (event: CoordinatorEvent) => void;

/** Events without their `time`, as the state emits them. */
export type EventInput = CoordinatorEvent extends infer E
  ? E extends CoordinatorEvent
    ? Omit<E, "time">
    : never
  : never;

export class Emitter {
  readonly #listeners = new Set<CoordinatorListener>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  on(listener: CoordinatorListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: EventInput): void {
    const full = { ...event, time: this.#now() } as CoordinatorEvent;
    for (const listener of [...this.#listeners]) {
      try {
        listener(full);
      } catch (error) {
        // A broken listener must not break the request that emitted; surface it.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
