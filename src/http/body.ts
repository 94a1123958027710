/**
 * Reading response bodies with a bound, so a huge or endless answer is an
 * error for that call instead of an out-of-memory crash.
 */

/** The largest success body the SDK reads: job lists and job objects are far smaller. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** The most of an error body the SDK reads: enough to show what went wrong. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The body ran past its bound. */
export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
  constructor(readonly limit: number) {
    super(`the response body is larger than ${limit} bytes`);
  }
}

/**
 * Reads up to `limit` bytes of a body as UTF-8. With `truncate`, a longer body
 * is cut at the bound; without it, a longer body throws {@link BodyTooLargeError}.
 */
export async function readBodyText(response: Response, limit: number, truncate: boolean): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  let complete = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        complete = true;
        break;
      }
      if (size + value.byteLength > limit) {
        if (!truncate) throw new BodyTooLargeError(limit);
        chunks.push(value.subarray(0, limit - size));
        size = limit;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Cut short: let the connection go back to the pool (or close) without reading the rest.
    if (!complete) reader.cancel().catch(() => {});
  }
  // Most answers arrive in one chunk: decoded as it is, without a copy.
  return utf8.decode(chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, size));
}

/** Stateless between calls (no `stream` option), so one decoder serves every body. */
const utf8 = new TextDecoder();

/** Parses text as JSON where it is JSON, else returns the text itself. */
export function parseMaybeJson(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  if (trimmed[0] !== "{" && trimmed[0] !== "[" && trimmed[0] !== '"') return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}
