/**
 * The console's server-sent events: one `change` event, carrying the
 * coordinator event's type, for each event that changes what the page shows.
 * The page then fetches a fresh snapshot, so the stream holds no state and a
 * reconnecting page misses nothing.
 */
import type { CoordinatorEventType, CoordinatorListener } from "../events.js";

/** Events that change nothing the console shows: the request log and injected faults. */
const QUIET_EVENTS: ReadonlySet<CoordinatorEventType> = new Set(["request", "fault"]);

/** How often an idle stream sends a comment, so neither the browser nor a proxy times it out. */
const KEEP_ALIVE_MS = 15_000;

/** A `text/event-stream` body that lasts until the client goes or `signal` aborts. */
export function changeStream(
  subscribe: (listener: CoordinatorListener) => () => void,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let stop = (): void => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (chunk: string): void => {
        try {
          controller.enqueue(encoder.encode(chunk));
        } catch {
          stop();
        }
      };
      const unsubscribe = subscribe((event) => {
        if (!QUIET_EVENTS.has(event.type)) send(`event: change\ndata: ${event.type}\n\n`);
      });
      const keepAlive = setInterval(() => send(": keep-alive\n\n"), KEEP_ALIVE_MS);
      keepAlive.unref();
      const close = (): void => {
        stop();
        try {
          controller.close();
        } catch {
          // Already closed by the reader.
        }
      };
      stop = () => {
        unsubscribe();
        clearInterval(keepAlive);
        signal.removeEventListener("abort", close);
      };
      // The first event tells a (re)connected page to load the state it may have missed.
      send("retry: 1000\nevent: change\ndata: hello\n\n");
      if (signal.aborted) close();
      else signal.addEventListener("abort", close, { once: true });
    },
    cancel() {
      stop();
    },
  });
}
