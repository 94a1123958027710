/**
 * Reads a request body once, within the size limit, and parses it as the
 * route expects: JSON (415 for another content type, 400 for bad JSON) or
 * multipart/form-data.
 */
import { CoordinatorError } from "./reply.js";
import { badRequest } from "./validate.js";

export class RequestBody {
  readonly #request: Request;
  readonly #maxBytes: number;
  #bytes: Promise<Uint8Array> | undefined;

  constructor(request: Request, maxBytes: number) {
    this.#request = request;
    this.#maxBytes = maxBytes;
  }

  get contentType(): string {
    return this.#request.headers.get("content-type") ?? "";
  }

  /** The raw bytes; read once, refused with 413 past the limit. */
  bytes(): Promise<Uint8Array> {
    this.#bytes ??= readLimited(this.#request, this.#maxBytes);
    return this.#bytes;
  }

  /** Whether the body is JSON (by its content type). */
  isJson(): boolean {
    return /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(this.contentType);
  }

  /** The body as JSON; a body is required. */
  async json(): Promise<unknown> {
    const bytes = await this.bytes();
    if (bytes.byteLength === 0) throw badRequest("a JSON body is required.");
    if (!this.isJson()) {
      throw new CoordinatorError(
        415,
        `the body must be sent with "content-type: application/json"; got ${JSON.stringify(this.contentType || "no content type")}.`,
      );
    }
    return parseJson(bytes);
  }

  /** For routes without a body: nothing, or a JSON object (checked by the caller). */
  async optionalJson(): Promise<unknown> {
    const bytes = await this.bytes();
    if (bytes.byteLength === 0) return {};
    return this.json();
  }

  /** The body as multipart/form-data. */
  async formData(): Promise<FormData> {
    if (!/^multipart\/form-data\s*;/i.test(this.contentType)) {
      throw new CoordinatorError(
        415,
        `the body must be multipart/form-data (with a boundary); got ${JSON.stringify(this.contentType || "no content type")}.`,
      );
    }
    const bytes = await this.bytes();
    try {
      return await new Response(bytes as BodyInit, { headers: { "content-type": this.contentType } }).formData();
    } catch (error) {
      throw badRequest(`the multipart body could not be parsed: ${(error as Error).message}`);
    }
  }
}

function parseJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw badRequest("the body is not valid UTF-8.");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`the body is not valid JSON: ${(error as Error).message}`);
  }
}

function tooLarge(maxBytes: number): CoordinatorError {
  return new CoordinatorError(413, `the body is larger than the limit of ${maxBytes} bytes.`);
}

async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    // Past the limit the rest is read and dropped, not cancelled: cancelling a FormData body that
    // fetch is still producing leaves an unhandled rejection inside Node 24's fetch.
    if (size <= maxBytes) chunks.push(value);
  }
  if (size > maxBytes) throw tooLarge(maxBytes);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
