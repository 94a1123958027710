/**
 * What the admin commands print: plain text for people (tables and
 * label/value details), or with `--json` one JSON document for scripts.
 */
import type { WorkerInfo } from "../client/types.js";
import type { Job } from "../types.js";
import type { CommandIO } from "./command.js";

/** Prints one JSON document, indented, on stdout. */
export function printJson(io: CommandIO, value: unknown): void {
  io.out(JSON.stringify(value ?? null, null, 2));
}

/** A value on one line: `-` for nothing, strings with their line breaks folded and cut at `max` characters. */
export function cell(value: unknown, max = Number.POSITIVE_INFINITY): string {
  let text: string;
  if (value === undefined || value === null || value === "") text = "-";
  else if (typeof value === "string") text = value;
  else if (typeof value === "boolean") text = value ? "yes" : "no";
  else if (typeof value === "number" || typeof value === "bigint") text = String(value);
  else if (Array.isArray(value) && value.every((item) => typeof item === "string" || typeof item === "number")) {
    text = value.length === 0 ? "-" : value.join(", ");
  } else text = JSON.stringify(value);
  text = text.replace(/\s+/g, " ").trim();
  return text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text;
}

/** A table with a header row; every column but the last is padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (row: readonly string[]) =>
    row
      .map((text, i) => (i === row.length - 1 ? text : text.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** `label: value` lines, the values aligned; a multi-line value continues indented below its label. */
export function details(entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...entries.map(([label]) => label.length)) + 1;
  return entries
    .map(([label, value]) => {
      const [first = "", ...rest] = value.split("\n");
      const pad = " ".repeat(width + 3);
      return [`  ${`${label}:`.padEnd(width)} ${first}`, ...rest.map((l) => pad + l)].join("\n").trimEnd();
    })
    .join("\n");
}

/** A free-form value in full: strings as they are, anything else as indented JSON. */
export function fullText(value: unknown): string {
  if (value === undefined || value === null) return "-";
  if (typeof value === "string") return value === "" ? '""' : value;
  return JSON.stringify(value, null, 2);
}

/** `job 7 (running, assigned to w1)`. */
export function jobSummary(job: Job): string {
  const assigned = typeof job.assigned_to === "string" ? `assigned to ${job.assigned_to}` : "unassigned";
  return `job ${String(job.id)} (${String(job.status)}, ${assigned})`;
}

const JOB_FIELDS: readonly (readonly [string, string])[] = [
  ["status", "status"],
  ["prompt", "prompt"],
  ["assigned_to", "assigned to"],
  ["claimed_by", "claimed by"],
  ["priority", "priority"],
  ["tier", "tier"],
  ["provider", "provider"],
  ["model", "model"],
  ["tags", "tags"],
  ["input", "input"],
  ["created_at", "created"],
  ["started_at", "started"],
  ["completed_at", "completed"],
  ["updated_at", "updated"],
  ["cancel_reason", "cancel reason"],
  ["requeues", "requeues"],
  ["retries", "retries"],
];

/** Every field of a job, known ones first, the result last and in full. */
export function jobDetails(job: Job): string {
  const known = new Set(["id", "result", ...JOB_FIELDS.map(([key]) => key)]);
  const entries: [string, string][] = [];
  for (const [key, label] of JOB_FIELDS) {
    if (!(key in job)) continue;
    const value = job[key];
    entries.push([label, key === "prompt" || key === "input" ? fullText(value) : cell(value)]);
  }
  for (const [key, value] of Object.entries(job)) {
    if (!known.has(key)) entries.push([key, cell(value)]);
  }
  const hasResult = job.result !== undefined && job.result !== null;
  if (!hasResult && "result" in job) entries.push(["result", "-"]);
  const lines = [`Job ${String(job.id)}`, details(entries)];
  // The result as it is, not indented, so it can be copied.
  if (hasResult) lines.push("", "Result:", fullText(job.result));
  return lines.join("\n");
}

/** The jobs as a table. */
export function jobsTable(jobs: readonly Job[]): string {
  return table(
    ["ID", "STATUS", "PRIORITY", "ASSIGNED TO", "CREATED", "PROMPT"],
    jobs.map((job) => [
      cell(job.id),
      cell(job.status),
      cell(job.priority),
      cell(job.assigned_to),
      cell(job.created_at),
      cell(job.prompt, 48),
    ]),
  );
}

/** The workers as a table. */
export function workersTable(workers: readonly WorkerInfo[]): string {
  return table(
    ["ID", "NAME", "STATUS", "ONLINE", "PAUSED", "LOAD", "LAST SEEN"],
    workers.map((w) => [
      cell(w.id),
      cell(w.name, 32),
      cell(w.status),
      cell(w.online),
      cell(w.paused),
      cell(w.load),
      cell(w.last_seen),
    ]),
  );
}

const WORKER_FIELDS: readonly (readonly [string, string])[] = [
  ["name", "name"],
  ["description", "description"],
  ["status", "status"],
  ["online", "online"],
  ["paused", "paused"],
  ["load", "load"],
  ["last_seen", "last seen"],
  ["registered", "registered"],
  ["created_at", "created"],
];

/** Every field of a worker, its capabilities as a small table. */
export function workerDetails(worker: WorkerInfo): string {
  const known = new Set(["id", "capabilities", ...WORKER_FIELDS.map(([key]) => key)]);
  const entries: [string, string][] = [];
  for (const [key, label] of WORKER_FIELDS) {
    if (key in worker) entries.push([label, cell(worker[key])]);
  }
  for (const [key, value] of Object.entries(worker)) {
    if (!known.has(key)) entries.push([key, cell(value)]);
  }
  const lines = [`Worker ${String(worker.id)}`, details(entries)];
  const capabilities = Array.isArray(worker.capabilities) ? worker.capabilities : [];
  lines.push("", capabilities.length === 0 ? "Capabilities: none" : "Capabilities:");
  if (capabilities.length > 0) {
    const rows = capabilities.map((c) => [cell(c.name), cell(c.risk_tier), cell(c.requires_secrets)]);
    lines.push(indent(table(["NAME", "RISK TIER", "SECRETS"], rows)));
  }
  return lines.join("\n");
}

/** Indents every line by two spaces. */
export function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : `  ${line}`))
    .join("\n");
}

/** `1 job`, `3 jobs`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}
