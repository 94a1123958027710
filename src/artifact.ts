/**
 * Building the multipart body of an artifact upload. A `Blob` (including a
 * file-backed one from `fs.openAsBlob`) is passed through as a part, so
 * `fetch` streams it and a large file is never read whole into memory.
 */
import { checkId } from "./args.js";
import { describeValue, optionKeys } from "./check-options.js";
import { checkParams } from "./http/request-options.js";

/** The bytes of an artifact. */
export type ArtifactData = Uint8Array | ArrayBuffer | Blob;

/** The optional fields of an artifact upload (`worker.uploadArtifact()`), named as the form's parts. */
export interface ArtifactParams {
  /** @default `artifact.<ext>`, the extension taken from the content type */
  filename?: string | undefined;
  /** The job this artifact belongs to. */
  job_id?: number | string | undefined;
  /** The review this artifact belongs to. */
  review_id?: number | string | undefined;
  /** When the coordinator may delete it: an ISO 8601 string or a `Date`. */
  expires_at?: string | Date | undefined;
}

/** The keys of {@link ArtifactParams}. */
export const ARTIFACT_PARAM_KEYS = optionKeys<ArtifactParams>({
  filename: true,
  job_id: true,
  review_id: true,
  expires_at: true,
});

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
export function buildArtifactForm(data: ArtifactData, contentType: string, params?: ArtifactParams): FormData {
  const fields = checkParams(params, ARTIFACT_PARAM_KEYS, "the params of worker.uploadArtifact()");
  // The whole value is checked: a character outside printable ASCII would make `File` drop the type silently.
  if (typeof contentType !== "string" || !/^[\w.+-]+\/[\w.+-]+( *;[\x20-\x7e]*)?$/.test(contentType)) {
    throw new TypeError(`contentType must be a MIME type such as "image/png"; got ${describeValue(contentType)}.`);
  }
  const filename = fields.filename ?? defaultFilename(contentType);
  if (typeof filename !== "string" || filename === "") {
    throw new TypeError(`filename must be a non-empty string; got ${describeValue(filename)}.`);
  }
  const form = new FormData();
  form.append("file", toFile(data, filename, contentType));
  form.append("content_type", contentType);
  form.append("filename", filename);
  if (fields.job_id !== undefined) form.append("job_id", checkId("job", fields.job_id));
  if (fields.review_id !== undefined) form.append("review_id", checkId("review", fields.review_id));
  if (fields.expires_at !== undefined) form.append("expires_at", toIsoDate(fields.expires_at));
  return form;
}

function toFile(data: ArtifactData, filename: string, contentType: string): File {
  // A File made from a Blob refers to the Blob's bytes; nothing is copied or read here.
  if (data instanceof Blob || data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    return new File([data as BlobPart], filename, { type: contentType });
  }
  throw new TypeError(
    `Artifact data must be a Uint8Array (or Buffer), an ArrayBuffer or a Blob (e.g. from fs.openAsBlob); got ${describeValue(data)}. For text, pass Buffer.from(text).`,
  );
}

function toIsoDate(value: string | Date): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError("expires_at is an invalid Date.");
    return value.toISOString();
  }
  if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
    throw new TypeError(`expires_at must be an ISO 8601 date string or a Date; got ${describeValue(value)}.`);
  }
  return value;
}
