/** Handler outcomes as the coordinator gets them, and errors as log lines show them. */

/** The result of a job that a stop cut short. */
export const SHUTDOWN_RESULT = "worker shutting down: the job was stopped before it finished";

/** A handler's return value as the job's result. */
export function toResult(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  const json = JSON.stringify(value);
  if (json === undefined)
    throw new TypeError(`the handler returned a ${typeof value}, which cannot be sent as a result`);
  return json;
}

/** What a failed job reports when `formatFailure` itself failed: nothing of the error. */
export const UNFORMATTED_FAILURE =
  "the handler failed; formatFailure could not describe the error, so no detail was sent";

/** A thrown value as a failed job's result by default: the stack trace where there is one. */
export function formatFailure(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return typeof error === "string" ? error : `non-Error thrown: ${safeStringify(error)}`;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A result as a log line shows it: cut at 2,000 characters. */
export function excerpt(text: string): string {
  return text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
}
