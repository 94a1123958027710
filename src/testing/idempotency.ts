/**
 * `Idempotency-Key` support for POST requests: the first request with a key
 * acts; a later one with the same key, method and path gets the stored answer
 * again without acting. Only successful (2xx) answers are stored, so a refused
 * request can be retried with the same key. A concurrent duplicate waits for
 * the first. A JSON body that differs from the first one's is a client bug: 422.
 */
import { json, type Reply } from "./reply.js";

interface Stored {
  fingerprint: string | null;
  reply: Promise<Reply | null>;
}

export class IdempotencyStore {
  #entries = new Map<string, Stored>();

  /**
   * Runs `act` unless the key was already used for this method and path, in
   * which case the stored reply is returned with `idempotent-replayed: true`.
   * `fingerprint` is the JSON body's text, or null when bodies cannot be compared.
   */
  async run(
    scope: string,
    key: string,
    fingerprint: string | null,
    act: () => Promise<Reply>,
  ): Promise<{ reply: Reply; replayed: boolean }> {
    const id = `${scope}\n${key}`;
    const stored = this.#entries.get(id);
    if (stored !== undefined) {
      if (stored.fingerprint !== null && fingerprint !== null && stored.fingerprint !== fingerprint) {
        return {
          reply: json(422, {
            error: `Idempotency-Key ${JSON.stringify(key)} was already used with a different request body.`,
          }),
          replayed: false,
        };
      }
      const previous = await stored.reply;
      if (previous !== null) {
        return {
          reply: { ...previous, headers: { ...previous.headers, "idempotent-replayed": "true" } },
          replayed: true,
        };
      }
    }
    let settle!: (reply: Reply | null) => void;
    const entry: Stored = { fingerprint, reply: new Promise((resolve) => (settle = resolve)) };
    this.#entries.set(id, entry);
    try {
      const reply = await act();
      const ok = reply.status >= 200 && reply.status < 300;
      settle(ok ? reply : null);
      if (!ok && this.#entries.get(id) === entry) this.#entries.delete(id);
      return { reply, replayed: false };
    } catch (error) {
      settle(null);
      if (this.#entries.get(id) === entry) this.#entries.delete(id);
      throw error;
    }
  }

  clear(): void {
    this.#entries = new Map();
  }
}
