// Types of worker.mjs, for the test beside it (the image runs the plain JavaScript).
import type { Job, JobContext, Worker, WorkerOptions } from "modelreins-worker";

export declare const PROBE_PORT: number;
export declare const SHUTDOWN_GRACE_MS: number;
export declare function handle(job: Job, ctx: JobContext): Promise<string>;
export declare function createWorker(options?: WorkerOptions): Worker;
