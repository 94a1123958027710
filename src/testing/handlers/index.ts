/**
 * Every route's handler, by route-table name.
 */
import type { CoordinatorRouteName } from "../router.js";
import type { Handler } from "./context.js";
import * as jobs from "./jobs.js";
import * as misc from "./misc.js";
import * as workerCalls from "./worker-calls.js";
import * as workers from "./workers.js";

export type { Handler, HandlerContext } from "./context.js";
export { parseNewJob } from "./jobs.js";

export const HANDLERS: Record<CoordinatorRouteName, Handler> = {
  health: misc.health,
  artifact: misc.artifact,
  heartbeat: workerCalls.heartbeat,
  updatePresence: workerCalls.heartbeat,
  inbox: workerCalls.inbox,
  claim: workerCalls.claim,
  complete: workerCalls.complete,
  uploadArtifact: workerCalls.uploadArtifact,
  submitReview: workerCalls.submitReview,
  registerWorker: workers.registerWorker,
  viewToken: workers.viewToken,
  listWorkers: workers.listWorkers,
  getWorker: workers.getWorker,
  pauseWorker: workers.pauseWorker,
  resumeWorker: workers.resumeWorker,
  listPresence: workers.listPresence,
  createJob: jobs.createJob,
  dispatch: jobs.dispatch,
  getJob: jobs.getJob,
  updateJob: jobs.updateJob,
  listJobs: jobs.listJobs,
  cancelJob: jobs.cancelJob,
  retryJob: jobs.retryJob,
  activateKillswitch: misc.activateKillswitch,
  clearKillswitch: misc.clearKillswitch,
  costSummary: misc.costSummary,
  costBreakdown: misc.costBreakdown,
};
