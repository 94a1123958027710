/**
 * A `FormData` as a `multipart/form-data` stream, read from its parts as the
 * request is sent. Every runtime's `fetch` takes a stream, but not every one
 * streams a `FormData` body: Bun 1.4 reads each file part whole into memory,
 * twice over, before sending. Encoded here, a file-backed `Blob` goes out one
 * chunk at a time on all of them, and the length is known up front.
 */

const encoder = new TextEncoder();

/** The body and the headers that describe it; each call reads the form afresh, so a retry can send it again. */
export interface MultipartBody {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  contentLength: number;
}

/** Encodes `form` as the WHATWG multipart/form-data algorithm does, with a fresh random boundary. */
export function multipartBody(form: FormData): MultipartBody {
  const boundary = `----modelreins-worker-${crypto.randomUUID().replaceAll("-", "")}`;
  const parts: (Uint8Array | Blob)[] = [];
  form.forEach((value, name) => {
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"`;
    if (typeof value === "string") {
      parts.push(encoder.encode(`${head}\r\n\r\n${value.replace(/\r\n|\r|\n/g, "\r\n")}\r\n`));
    } else {
      const type = value.type || "application/octet-stream";
      parts.push(encoder.encode(`${head}; filename="${escapeName(value.name)}"\r\nContent-Type: ${type}\r\n\r\n`));
      parts.push(value, encoder.encode("\r\n"));
    }
  });
  parts.push(encoder.encode(`--${boundary}--\r\n`));
  const contentLength = parts.reduce((sum, part) => sum + (part instanceof Blob ? part.size : part.byteLength), 0);
  return { body: streamParts(parts), contentType: `multipart/form-data; boundary=${boundary}`, contentLength };
}

/**
 * A fetch request as the HTTP core builds it: headers as a plain record, and
 * `duplex`, which fetch requires with a stream body and the DOM typings lack.
 */
export type RequestWithHeaders = Omit<RequestInit, "headers"> & { headers: Record<string, string>; duplex?: "half" };

/**
 * A request whose body is a `FormData`, with that body replaced by its
 * multipart stream and the headers that describe it; any other request as it
 * is. Called for each send: a stream is read once, the form can be read again.
 */
export function streamForm(init: RequestWithHeaders): RequestWithHeaders {
  if (!(init.body instanceof FormData)) return init;
  const { body, contentType, contentLength } = multipartBody(init.body);
  const headers = { ...init.headers, "content-type": contentType, "content-length": String(contentLength) };
  return { ...init, headers, body, duplex: "half" };
}

/** Quotes, CR and LF in a name or filename, escaped as browsers do. */
function escapeName(name: string): string {
  return name.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
}

/** The most of a Blob read at once. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * One chunk per pull, so the body is read only as fast as the connection
 * takes it. A Blob is read by slices rather than through `blob.stream()`:
 * Deno 2.9 streams the Blob of `fs.openAsBlob` as one chunk the size of the file.
 */
function streamParts(parts: (Uint8Array | Blob)[]): ReadableStream<Uint8Array> {
  let next = 0;
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const part = parts[next];
        if (part === undefined) return controller.close();
        if (!(part instanceof Blob)) {
          next += 1;
          return controller.enqueue(part);
        }
        if (offset >= part.size) {
          next += 1;
          offset = 0;
          continue;
        }
        const end = Math.min(offset + CHUNK_BYTES, part.size);
        const chunk = new Uint8Array(await part.slice(offset, end).arrayBuffer());
        offset = end;
        return controller.enqueue(chunk);
      }
    },
  });
}
