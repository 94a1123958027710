/**
 * What workers hand in besides results: artifacts (bytes served at
 * `/s/<slug>`) and reviews waiting for a human decision.
 */
import type { EventInput } from "./events.js";
import type { ResolvedOptions } from "./options.js";
import type { Random } from "./random.js";
import type { ArtifactRecord, ReviewRecord } from "./records.js";
import { CoordinatorError } from "./reply.js";
import { iso } from "./roster.js";

export interface OutputsDeps {
  options: ResolvedOptions;
  random: Random;
  emit: (event: EventInput) => void;
  /** The coordinator's current base URL, for absolute artifact URLs in events. */
  baseUrl: () => string;
}

export interface NewArtifact {
  bytes: Uint8Array;
  content_type: string;
  filename: string;
  job_id: number | null;
  review_id: number | null;
  expires_at: string | null;
}

export interface NewReview {
  type: string;
  title: string;
  content: string;
  preview: string | null;
  target: string | null;
  job_id: number | null;
}

export class Outputs {
  readonly #deps: OutputsDeps;
  #artifacts = new Map<string, ArtifactRecord>();
  #reviews = new Map<number, ReviewRecord>();
  #nextReviewId = 1;

  constructor(deps: OutputsDeps) {
    this.#deps = deps;
  }

  reset(): void {
    this.#artifacts = new Map();
    this.#reviews = new Map();
    this.#nextReviewId = 1;
  }

  addArtifact(input: NewArtifact): ArtifactRecord {
    let slug: string;
    do slug = this.#deps.random.id(10);
    while (this.#artifacts.has(slug));
    const record: ArtifactRecord = {
      slug,
      url: `/s/${slug}`,
      content_type: input.content_type,
      filename: input.filename,
      size_bytes: input.bytes.byteLength,
      job_id: input.job_id,
      review_id: input.review_id,
      expires_at: input.expires_at,
      created_at: iso(this.#deps.options.now()),
      bytes: input.bytes,
    };
    this.#artifacts.set(slug, record);
    const { bytes: _bytes, ...artifact } = record;
    this.#deps.emit({ type: "artifact", artifact, absoluteUrl: `${this.#deps.baseUrl()}${record.url}` });
    return record;
  }

  /** An artifact to serve: 404 when unknown, 410 once expired. */
  artifact(slug: string): ArtifactRecord {
    const record = this.#artifacts.get(slug);
    if (record === undefined) throw new CoordinatorError(404, `no artifact ${JSON.stringify(slug)}.`);
    if (record.expires_at !== null && Date.parse(record.expires_at) <= this.#deps.options.now()) {
      throw new CoordinatorError(410, `artifact ${JSON.stringify(slug)} expired at ${record.expires_at}.`);
    }
    return record;
  }

  artifacts(): ArtifactRecord[] {
    return [...this.#artifacts.values()].map((a) => ({ ...a, bytes: a.bytes.slice() }));
  }

  submitReview(input: NewReview): ReviewRecord {
    const review: ReviewRecord = {
      id: this.#nextReviewId++,
      ...input,
      status: "pending",
      mode: "review",
      note: null,
      created_at: iso(this.#deps.options.now()),
      decided_at: null,
    };
    this.#reviews.set(review.id, review);
    this.#deps.emit({ type: "review", action: "submitted", review: { ...review } });
    return { ...review };
  }

  hasReview(id: number): boolean {
    return this.#reviews.has(id);
  }

  /** Approves or rejects a pending review. */
  decide(id: number, decision: "approved" | "rejected", note: string | null): ReviewRecord {
    const review = this.#reviews.get(id);
    if (review === undefined) throw new CoordinatorError(404, `no review ${id}.`);
    if (review.status !== "pending") throw new CoordinatorError(409, `review ${id} is already ${review.status}.`);
    Object.assign(review, { status: decision, note, decided_at: iso(this.#deps.options.now()) });
    this.#deps.emit({ type: "review", action: decision, review: { ...review } });
    return { ...review };
  }

  reviews(): ReviewRecord[] {
    return [...this.#reviews.values()].map((r) => ({ ...r }));
  }
}
