import { openAsBlob } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { InvalidResponseError, Worker } from "../src/index.js";
import { BASE, type FormPart, json, setupMockServer, spyLogger, TOKEN, WORKER_NAME } from "./support/msw.js";

const mock = setupMockServer();

const answer = {
  success: true,
  slug: "abc123",
  url: "/s/abc123",
  content_type: "image/png",
  size_bytes: 4,
  filename: "artifact.png",
};

function makeWorker(url = BASE) {
  return new Worker({ token: TOKEN, url, name: WORKER_NAME, maxRetries: 0, logger: spyLogger() });
}

function parts(): Array<[string, FormPart]> {
  expect(mock.requests).toHaveLength(1);
  return mock.requests[0]?.form ?? [];
}

function filePart(): { filename: string; type: string; bytes: Uint8Array } {
  const file = parts().find(([name]) => name === "file")?.[1];
  if (typeof file !== "object" || file === undefined) throw new Error("no file part");
  return file;
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255, 128]);

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelreins-upload-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("uploadArtifact()", () => {
  it("POST /api/artifacts as multipart: file part plus content_type and filename", async () => {
    mock.on("POST /api/artifacts", () => json(answer));
    await expect(makeWorker().uploadArtifact(PNG, "image/png")).resolves.toEqual(answer);
    const [req] = mock.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/api/artifacts");
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(req?.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(parts()).toEqual([
      ["file", { filename: "artifact.png", type: "image/png", bytes: PNG }],
      ["content_type", "image/png"],
      ["filename", "artifact.png"],
    ]);
  });

  it("adds filename, job_id, review_id and expires_at (a Date as ISO) when given", async () => {
    mock.on("POST /api/artifacts", () => json(answer));
    const expires = new Date("2031-02-03T04:05:06.789Z");
    await makeWorker().uploadArtifact(PNG, "image/png", {
      filename: "chart.png",
      job_id: 42,
      review_id: "r-7",
      expires_at: expires,
    });
    expect(parts()).toEqual([
      ["file", { filename: "chart.png", type: "image/png", bytes: PNG }],
      ["content_type", "image/png"],
      ["filename", "chart.png"],
      ["job_id", "42"],
      ["review_id", "r-7"],
      ["expires_at", "2031-02-03T04:05:06.789Z"],
    ]);
  });

  it("passes an ISO string expires_at as it is", async () => {
    mock.on("POST /api/artifacts", () => json(answer));
    await makeWorker().uploadArtifact(PNG, "image/png", { expires_at: "2031-01-01T00:00:00Z" });
    expect(parts()).toContainEqual(["expires_at", "2031-01-01T00:00:00Z"]);
  });

  it.each([
    ["image/png", "artifact.png"],
    ["image/jpeg", "artifact.jpg"],
    ["image/svg+xml", "artifact.svg"],
    ["text/plain; charset=utf-8", "artifact.txt"],
    ["text/markdown", "artifact.md"],
    ["application/json", "artifact.json"],
    ["application/pdf", "artifact.pdf"],
    ["application/octet-stream", "artifact.bin"],
    ["audio/mpeg", "artifact.mp3"],
  ])("the default filename for %s is %s", async (contentType, filename) => {
    mock.on("POST /api/artifacts", () => json(answer));
    await makeWorker().uploadArtifact(new Uint8Array([1]), contentType);
    expect(filePart().filename).toBe(filename);
    expect(filePart().type).toBe(contentType);
    expect(parts()).toContainEqual(["filename", filename]);
    expect(parts()).toContainEqual(["content_type", contentType]);
  });

  describe("accepts every kind of data, bytes intact", () => {
    const bytes = new Uint8Array(20_000).map((_, i) => (i * 31) % 256);

    it.each([
      ["Uint8Array", () => bytes],
      ["Buffer", () => Buffer.from(bytes)],
      ["ArrayBuffer", () => bytes.slice().buffer],
      ["Blob", () => new Blob([bytes])],
      ["a view into a larger buffer", () => new Uint8Array([9, 9, ...bytes, 9]).subarray(2, 2 + bytes.length)],
      ["a pooled small Buffer", () => Buffer.from(bytes.subarray(0, 10))],
    ] as const)("%s", async (_kind, make) => {
      mock.on("POST /api/artifacts", () => json(answer));
      const data = make();
      await makeWorker().uploadArtifact(data, "application/octet-stream");
      const expected =
        data instanceof Blob
          ? bytes
          : new Uint8Array(
              data instanceof ArrayBuffer
                ? data
                : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
            );
      expect(filePart().bytes).toEqual(expected);
    });

    it("a file-backed Blob from fs.openAsBlob", async () => {
      const path = join(dir, "big.bin");
      const big = new Uint8Array(1_000_000).map((_, i) => (i * 7 + 3) % 256);
      await writeFile(path, big);
      mock.on("POST /api/artifacts", () => json(answer));
      const blob = await openAsBlob(path, { type: "image/png" });
      await makeWorker().uploadArtifact(blob, "image/png", { filename: "big.png" });
      const file = filePart();
      expect(file.filename).toBe("big.png");
      expect(file.type).toBe("image/png");
      expect(file.bytes.byteLength).toBe(big.byteLength);
      expect(Buffer.compare(file.bytes, big)).toBe(0);
    });
  });

  it("a retried upload sends the same bytes of a file-backed Blob again, with the same idempotency key", async () => {
    const spy = vi.spyOn(Math, "random").mockReturnValue(0);
    const path = join(dir, "retry.bin");
    const bytes = new Uint8Array(50_000).map((_, i) => (i * 13) % 256);
    await writeFile(path, bytes);
    let calls = 0;
    mock.on("POST /api/artifacts", () => (calls++ === 0 ? json({ error: "busy" }, { status: 503 }) : json(answer)));
    const worker = new Worker({ token: TOKEN, url: BASE, name: WORKER_NAME, logger: spyLogger() });
    await expect(
      worker.uploadArtifact(await openAsBlob(path), "application/octet-stream", { job_id: 1 }),
    ).resolves.toEqual(answer);
    spy.mockRestore();
    expect(mock.requests).toHaveLength(2);
    const [first, second] = mock.requests;
    expect(second?.headers["idempotency-key"]).toBe(first?.headers["idempotency-key"]);
    for (const request of mock.requests) {
      const file = request.form?.find(([name]) => name === "file")?.[1];
      expect(typeof file === "object" && Buffer.compare(file.bytes, bytes)).toBe(0);
      expect(request.form).toContainEqual(["job_id", "1"]);
    }
  });

  it.each([
    ["a string", "hello"],
    ["a number", 42],
    ["null", null],
    ["a plain object", { bytes: [1, 2] }],
    ["an array", [1, 2, 3]],
  ])("data that is %s is a TypeError saying what is accepted", async (_kind, data) => {
    const error = await makeWorker()
      .uploadArtifact(data as never, "image/png")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain("Uint8Array (or Buffer), an ArrayBuffer or a Blob");
    expect(mock.requests).toHaveLength(0);
  });

  it("names the type it got", async () => {
    await expect(makeWorker().uploadArtifact([1] as never, "image/png")).rejects.toThrow(/got an array/);
    await expect(makeWorker().uploadArtifact("x" as never, "image/png")).rejects.toThrow(
      /got the string "x".*Buffer\.from\(text\)/,
    );
  });

  it.each([
    ["png"],
    [""],
    ["image/"],
    ["/png"],
    [42],
    [undefined],
    ["image/png\r\nX-Evil: 1"],
    ["image/png; x=\n"],
    ["image/png\n;x=1"],
    ["image/png\t; x=1"],
    ["image/png garbage"],
    ["text/plain; name=é"],
  ])("content type %j is a TypeError", async (contentType) => {
    const error = await makeWorker()
      .uploadArtifact(PNG, contentType as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('contentType must be a MIME type such as "image/png"');
    expect(mock.requests).toHaveLength(0);
  });

  it("content type parameters are allowed and sent as given", async () => {
    mock.on("POST /api/artifacts", () => json(answer));
    await makeWorker().uploadArtifact(PNG, "text/plain;charset=utf-8");
    expect(parts()).toContainEqual(["content_type", "text/plain;charset=utf-8"]);
  });

  it("an invalid expires_at or empty filename is a TypeError", async () => {
    const worker = makeWorker();
    await expect(worker.uploadArtifact(PNG, "image/png", { expires_at: "next week" })).rejects.toThrow(
      /expires_at must be an ISO 8601/,
    );
    await expect(worker.uploadArtifact(PNG, "image/png", { expires_at: new Date("nope") })).rejects.toThrow(
      /invalid Date/,
    );
    await expect(worker.uploadArtifact(PNG, "image/png", { filename: "" })).rejects.toThrow(
      /filename must be a non-empty string/,
    );
    expect(mock.requests).toHaveLength(0);
  });

  it("an answer without url or slug is an InvalidResponseError", async () => {
    mock.on("POST /api/artifacts", () => json({ success: true }));
    const error = await makeWorker()
      .uploadArtifact(PNG, "image/png")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toContain("without url and slug");
  });
});

describe("artifactUrl()", () => {
  it("is the base URL plus the answer's url", () => {
    const worker = makeWorker();
    expect(worker.artifactUrl(answer)).toBe(`${BASE}/s/abc123`);
    expect(worker.artifactUrl("/s/xyz")).toBe(`${BASE}/s/xyz`);
  });

  it("keeps the base URL's path prefix", () => {
    const worker = makeWorker(`${BASE}/modelreins/`);
    expect(worker.artifactUrl(answer)).toBe(`${BASE}/modelreins/s/abc123`);
    expect(worker.artifactUrl("s/xyz")).toBe(`${BASE}/modelreins/s/xyz`);
  });

  it("leaves an absolute url as it is", () => {
    expect(makeWorker().artifactUrl("https://cdn.example.com/s/abc")).toBe("https://cdn.example.com/s/abc");
  });
});
