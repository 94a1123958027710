// The worker the container runs: plain JavaScript, so the image needs nothing but Node.
// Its probe server listens on every interface of the pod (the kubelet probes it from outside
// the container) on PROBE_PORT; kubernetes.yaml points the probes and the scrape at it.
import { hostname } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "modelreins-worker";

/** The probe server's port: kubernetes.yaml and the Dockerfile name the same one. */
export const PROBE_PORT = 8001;
/** How long in-flight jobs may run on after SIGTERM; kubernetes.yaml's grace period allows for it. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** The handler: replace it with your own work. */
export async function handle(job, { signal }) {
  signal.throwIfAborted();
  return `echo: ${job.prompt}`;
}

/** The worker as deployed; tests pass `options` to point it at a local coordinator. */
export function createWorker(options = {}) {
  return new Worker({
    // In Kubernetes the host name is the pod's name: unique per replica, as a worker name must be.
    name: process.env.MODELREINS_WORKER_NAME || hostname(),
    concurrency: Number(process.env.MODELREINS_CONCURRENCY || 4),
    shutdownGraceMs: SHUTDOWN_GRACE_MS,
    probes: { host: "0.0.0.0", port: PROBE_PORT },
    ...options,
  });
}

// Run when started as a program (`node worker.mjs`), not when imported by a test.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await createWorker().run(handle);
}
