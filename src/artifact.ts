/**
 * Building the multipart body of an artifact upload. A `Blob` (including a
 * file-backed one from `fs.openAsBlob`) is passed through as a part, so
 * `fetch` streams it and a large file is never read whole into memory.
 */

/** The bytes of an artifact. */
export type ArtifactData = Uint8Array | ArrayBuffer | Blob;

/** The optional fields of an artifact upload. */
export interface ArtifactFields {
  /** @default `artifact.<ext>`, the extension taken from the content type */
  filename?: string | undefined;
  /** The job this artifact belongs to. */
  jobId?: number | string | undefined;
  /** The review this artifact belongs to. */
  reviewId?: number | string | undefined;
  /** When the coordinator may delete it: an ISO 8601 string or a `Date`. */
  expiresAt?: string | Date | undefined;
}

const EXTENSIONS: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/svg+xml": "svg",
  "text/plain": "txt",
  "text/markdown": "md",
  "application/octet-stream": "bin",
  "audio/mpeg": "mp3",
};

/** `artifact.<ext>` for a content type: `image/png` → `artifact.png`. */
export function defaultFilename(contentType: string): string {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const ext =
    EXTENSIONS[type] ??
    type
      .split("/")[1]
      ?.split("+")[0]
      ?.replace(/[^a-z0-9]/g, "");
  return ext ? `artifact.${ext}` : "artifact.bin";
}

/** Checks an upload's arguments and builds its `multipart/form-data` body. */
export function buildArtifactForm(data: ArtifactData, contentType: string, fields: ArtifactFields = {}): FormData {
  // The whole value is checked: a character outside printable ASCII would make `File` drop the type silently.
  if (typeof contentType !== "string" || !/^[\w.+-]+\/[\w.+-]+( *;[\x20-\x7e]*)?$/.test(contentType)) {
    throw new TypeError(`contentType must be a MIME type such as "image/png"; got ${JSON.stringify(contentType)}.`);
  }
  const filename = fields.filename ?? defaultFilename(contentType);
  if (typeof filename !== "string" || filename === "") {
    throw new TypeError(`filename must be a non-empty string; got ${JSON.stringify(filename)}.`);
  }
  const form = new FormData();
  form.append("file", toFile(data, filename, contentType));
  form.append("content_type", contentType);
  form.append("filename", filename);
  if (fields.jobId !== undefined) form.append("job_id", String(fields.jobId));
  if (fields.reviewId !== undefined) form.append("review_id", String(fields.reviewId));
  if (fields.expiresAt !== undefined) form.append("expires_at", toIsoDate(fields.expiresAt));
  return form;
}

function toFile(data: ArtifactData, filename: string, contentType: string): File {
  // A File made from a Blob refers to the Blob's bytes; nothing is copied or read here.
  if (data instanceof Blob || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    return new File([data as BlobPart], filename, { type: contentType });
  }
  throw new TypeError(
    `Artifact data must be a Uint8Array (or Buffer), an ArrayBuffer or a Blob (e.g. from fs.openAsBlob); got ${describe(data)}. For text, pass Buffer.from(text).`,
  );
}

function toIsoDate(value: string | Date): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError("expiresAt is an invalid Date.");
    return value.toISOString();
  }
  if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
    throw new TypeError(`expiresAt must be an ISO 8601 date string or a Date; got ${JSON.stringify(value)}.`);
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "an object";
  return typeof value;
}
