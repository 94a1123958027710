/**
 * `modelreins-worker/testing`: a strict in-memory ModelReins coordinator for
 * tests and local development. msw handlers live in
 * `modelreins-worker/testing/msw`, so this entry point never loads msw.
 *
 * @module modelreins-worker/testing
 */
export { createCoordinator } from "./coordinator.js";
export type { Coordinator, ConnectionSettings, WaitForOptions } from "./coordinator.js";
export { CoordinatorError } from "./reply.js";
export type { CoordinatorOptions } from "./options.js";
export type { ListenOptions, Listener } from "./http-server.js";
export type { Fault, FaultKind, FaultSpec, Faults } from "./faults.js";
export type { CoordinatorEvent, CoordinatorEventType, CoordinatorListener } from "./events.js";
export type { CoordinatorRouteName } from "./router.js";
export type {
  ArtifactRecord,
  Capability,
  CoordinatorJob,
  KillswitchState,
  LocalJobStatus,
  NewJob,
  PresenceRecord,
  RequestRecord,
  ReviewRecord,
  WorkerRecord,
} from "./records.js";
