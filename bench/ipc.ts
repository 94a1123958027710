/**
 * A tiny request/response layer over a Node.js IPC channel (fork()), used in
 * both directions between the bench's processes. Messages are JSON: no bigints.
 */

export type Handler = (args: unknown) => unknown;

interface CallMessage {
  type: "call";
  id: number;
  cmd: string;
  args?: unknown;
}

interface ReplyMessage {
  type: "reply";
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export class Peer {
  readonly #send: (message: unknown) => void;
  readonly #handlers: Record<string, Handler>;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #next = 1;
  #closed: Error | undefined;

  constructor(send: (message: unknown) => void, handlers: Record<string, Handler> = {}) {
    this.#send = send;
    this.#handlers = handlers;
  }

  /** Feeds one message from the channel; returns false when it is not for this layer. */
  receive(message: unknown): boolean {
    const m = message as (Partial<Omit<CallMessage, "type"> & Omit<ReplyMessage, "type">> & { type?: string }) | null;
    if (m?.type === "reply" && typeof m.id === "number") {
      const pending = this.#pending.get(m.id);
      if (!pending) return true;
      this.#pending.delete(m.id);
      if (m.ok) pending.resolve(m.result);
      else pending.reject(new Error(m.error ?? "remote call failed"));
      return true;
    }
    if (m?.type === "call" && typeof m.id === "number" && typeof m.cmd === "string") {
      void this.#serve(m.id, m.cmd, m.args);
      return true;
    }
    return false;
  }

  async #serve(id: number, cmd: string, args: unknown): Promise<void> {
    const handler = this.#handlers[cmd];
    let reply: ReplyMessage;
    try {
      if (!handler) throw new Error(`unknown command ${cmd}`);
      reply = { type: "reply", id, ok: true, result: await handler(args) };
    } catch (error) {
      // The message crosses over; the stack stays here, on this process's stderr.
      if (error instanceof Error && error.stack) process.stderr.write(`${cmd} failed: ${error.stack}\n`);
      reply = { type: "reply", id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    try {
      this.#send(reply);
    } catch {
      // The other side is gone; nothing to answer.
    }
  }

  call<T>(cmd: string, args?: unknown): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      try {
        this.#send({ type: "call", id, cmd, args } satisfies CallMessage);
      } catch (error) {
        this.#pending.delete(id);
        reject(error as Error);
      }
    });
  }

  /** Fails every pending call, and every later one. */
  close(error: Error): void {
    this.#closed ??= error;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

/** The peer of this process's parent (the process must have been started with fork()). */
export function parentPeer(handlers: Record<string, Handler> = {}): Peer {
  const send = process.send?.bind(process);
  if (!send) throw new Error("this script is started by bench/run.ts (it needs an IPC channel)");
  const peer = new Peer((message) => send(message), handlers);
  process.on("message", (message) => peer.receive(message));
  // When the parent goes away (even killed), this process goes too: no orphans.
  process.on("disconnect", () => {
    peer.close(new Error("the parent process went away"));
    process.exit(0);
  });
  return peer;
}
