/**
 * The multipart encoder that uploads go through: what it sends parses back
 * into the same form, its length is the length sent, and a Blob is read a
 * bounded chunk at a time.
 */
import { describe, expect, it } from "vitest";
import { multipartBody, type RequestWithHeaders, streamForm } from "../src/http/multipart.js";

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; chunks: number[] }> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) chunks.push(read.value);
  return { bytes: new Uint8Array(Buffer.concat(chunks)), chunks: chunks.map((c) => c.byteLength) };
}

/** Parses a body as a server would (undici's multipart parser). */
async function parse(body: BodyInit, contentType: string): Promise<FormData> {
  return new Response(body, { headers: { "content-type": contentType } }).formData();
}

describe("multipartBody", () => {
  it("encodes text fields and files that parse back to the same form", async () => {
    const form = new FormData();
    const data = new Uint8Array(5_000).map((_, i) => (i * 7) % 256);
    form.append("file", new File([data], "image.png", { type: "image/png" }));
    form.append("content_type", "image/png");
    form.append("job_id", "42");
    const { body, contentType } = multipartBody(form);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=-+modelreins-worker-[0-9a-f]{32}$/);
    const parsed = await parse(body, contentType);
    expect(parsed.get("content_type")).toBe("image/png");
    expect(parsed.get("job_id")).toBe("42");
    const file = parsed.get("file") as File;
    expect(file.name).toBe("image.png");
    expect(file.type).toBe("image/png");
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(data);
  });

  it("announces exactly the number of bytes it sends", async () => {
    const form = new FormData();
    form.append("file", new File([new Uint8Array(123_457)], "a.bin"));
    form.append("filename", "a.bin");
    form.append("empty", new File([], "empty.txt", { type: "text/plain" }));
    const { body, contentLength } = multipartBody(form);
    expect((await bytesOf(body)).bytes.byteLength).toBe(contentLength);
  });

  it("escapes quotes and line breaks in names as browsers do, and sends text line breaks as CRLF", async () => {
    const form = new FormData();
    form.append('we"ird\nname', "line one\nline two");
    form.append("file", new File(["x"], 'a "quoted"\r\nname.txt', { type: "text/plain" }));
    const { body } = multipartBody(form);
    const text = new TextDecoder().decode((await bytesOf(body)).bytes);
    expect(text).toContain('name="we%22ird%0Aname"\r\n\r\nline one\r\nline two\r\n');
    expect(text).toContain('filename="a %22quoted%22%0D%0Aname.txt"\r\nContent-Type: text/plain\r\n');
  });

  it("reads a Blob a bounded chunk at a time, however it streams itself", async () => {
    const size = 3 * 1024 * 1024 + 17;
    const form = new FormData();
    form.append("file", new File([new Uint8Array(size)], "big.bin"));
    const { body, contentLength } = multipartBody(form);
    const { chunks } = await bytesOf(body);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(1024 * 1024);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(contentLength);
  });

  it("reads the form afresh on every call, so a retry sends it whole again", async () => {
    const form = new FormData();
    form.append("file", new File([new Uint8Array(10_000).fill(9)], "a.bin"));
    const first = multipartBody(form);
    await bytesOf(first.body);
    const second = multipartBody(form);
    expect(second.contentType).not.toBe(first.contentType);
    const file = (await parse(second.body, second.contentType)).get("file") as File;
    expect(file.size).toBe(10_000);
  });

  describe("streamForm", () => {
    it("replaces a FormData body with its stream, keeping the other headers", async () => {
      const form = new FormData();
      form.append("filename", "a.txt");
      const init = streamForm({ method: "POST", body: form, headers: { authorization: "Bearer x" } });
      expect(init.body).toBeInstanceOf(ReadableStream);
      expect(init).toMatchObject({ method: "POST", duplex: "half" });
      expect(init.headers).toMatchObject({ authorization: "Bearer x" });
      expect(init.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
      const sent = await bytesOf(init.body as ReadableStream<Uint8Array>);
      expect(init.headers["content-length"]).toBe(String(sent.bytes.byteLength));
    });

    it("leaves any other request as it is", () => {
      const init: RequestWithHeaders = {
        method: "POST",
        body: '{"a":1}',
        headers: { "content-type": "application/json" },
      };
      expect(streamForm(init)).toBe(init);
    });
  });
});
