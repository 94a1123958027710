/**
 * Readable log lines for the `dev` command: one line per event that matters
 * (heartbeats only when an instance appears or changes status; requests only
 * when refused or hit by a fault).
 */
import type { CoordinatorEvent } from "../testing/index.js";

const KIND_WIDTH = 9;

/** Returns a function that turns an event into a log line, or undefined to skip it. */
export function createEventFormatter(): (event: CoordinatorEvent) => string | undefined {
  const statuses = new Map<string, string>();
  return (event) => {
    const text = describe(event, statuses);
    if (text === undefined) return undefined;
    return `${clock(event.time)}  ${text[0].padEnd(KIND_WIDTH)} ${text[1]}`;
  };
}

function describe(event: CoordinatorEvent, statuses: Map<string, string>): [string, string] | undefined {
  switch (event.type) {
    case "presence": {
      const previous = statuses.get(event.instance);
      statuses.set(event.instance, event.status);
      if (previous === event.status) return undefined;
      return ["presence", `${event.instance} ${previous === undefined ? "is" : `${previous} →`} ${event.status}`];
    }
    case "create":
      return ["create", `job ${event.job.id} ${assigned(event.job.assigned_to)}  ${quote(event.job.prompt)}`];
    case "dispatch":
      return ["dispatch", `job ${event.job.id} → ${event.worker}  ${quote(event.job.prompt)}`];
    case "claim":
      return ["claim", `job ${event.job.id} by ${event.worker}`];
    case "complete":
      return [event.status, `job ${event.job.id} by ${event.worker}  ${quote(event.job.result ?? "")}`];
    case "requeue":
      return [
        "requeue",
        `job ${event.job.id} (${event.worker ?? "its worker"} went silent; requeue #${event.job.requeues})`,
      ];
    case "cancel":
      return ["cancel", `job ${event.job.id}  ${event.reason}`];
    case "retry":
      return ["retry", `job ${event.job.id}`];
    case "update":
      return ["update", `job ${event.job.id}`];
    case "artifact":
      return [
        "artifact",
        `${event.absoluteUrl}  ${event.artifact.filename} (${event.artifact.content_type}, ${event.artifact.size_bytes} bytes)${event.artifact.job_id === null ? "" : ` job ${event.artifact.job_id}`}`,
      ];
    case "review":
      return ["review", `#${event.review.id} ${event.action}  ${quote(event.review.title)}`];
    case "worker":
      return ["worker", `${event.worker.name} (id ${event.worker.id}) ${event.action}`];
    case "killswitch":
      return [
        "killswitch",
        event.action === "activated"
          ? `ACTIVATED level ${event.killswitch.level}: ${event.killswitch.reason}`
          : "cleared",
      ];
    case "fault":
      return ["fault", `${event.kind} on ${event.method} ${event.path}`];
    case "request": {
      const r = event.request;
      if (r.status < 400 || r.fault !== undefined) return undefined;
      return [String(r.status), `${r.method} ${r.path}${r.query}  ${r.error ?? ""}`];
    }
  }
}

function assigned(worker: string | null): string {
  return worker === null ? "(unassigned)" : `for ${worker}`;
}

function quote(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
}

function clock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
