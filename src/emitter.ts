/**
 * A typed event emitter with EventEmitter's `on`/`off`/`once` semantics, and
 * one difference: a listener that throws or rejects is reported to `onListenerError`
 * and the others still run, so a user's listener can never break the caller.
 */

/** Any map from event name to payload. */
// biome-ignore lint/suspicious/noExplicitAny: a payload map is any record of payloads
export type EventMap = Record<string, any>;

type Listener<P> = (payload: P) => unknown;

/** Wraps a `once` listener; `off(original)` finds it by `listener`. */
interface OnceWrapper<P> {
  (payload: P): unknown;
  listener: Listener<P>;
}

export class TypedEmitter<Events extends EventMap> {
  // Arrays replaced, never mutated, on add/remove: an emit in progress keeps its own copy.
  readonly #listeners = new Map<keyof Events, ReadonlyArray<Listener<never>>>();
  readonly #onListenerError: (event: keyof Events, error: unknown) => void;

  constructor(onListenerError: (event: keyof Events, error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    checkListener(event, listener);
    this.#add(event, listener);
  }

  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    checkListener(event, listener);
    const wrapper: OnceWrapper<Events[K]> = Object.assign(
      (payload: Events[K]) => {
        // Itself, not the latest instance of `listener`: an `on` of the same function added later stays.
        this.#remove(event, (l) => l === wrapper);
        return listener(payload);
      },
      { listener },
    );
    this.#add(event, wrapper);
  }

  /** Removes the most recently added instance of `listener` (added by `on` or `once`), as EventEmitter does. */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.#remove(event, (l) => l === listener || (l as Partial<OnceWrapper<never>>).listener === listener);
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.length ?? 0;
  }

  #add(event: keyof Events, listener: Listener<never>): void {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
  }

  /** Removes the last listener of `event` that `matches` picks. */
  #remove(event: keyof Events, matches: (listener: Listener<never>) => boolean): void {
    const list = this.#listeners.get(event);
    const index = list?.findLastIndex(matches) ?? -1;
    if (list === undefined || index === -1) return;
    const rest = list.filter((_, i) => i !== index);
    if (rest.length === 0) this.#listeners.delete(event);
    else this.#listeners.set(event, rest);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const list = this.#listeners.get(event);
    if (!list) return;
    for (const listener of list) {
      try {
        const returned = (listener as Listener<Events[K]>)(payload);
        if (isThenable(returned)) returned.then(undefined, (error: unknown) => this.#onListenerError(event, error));
      } catch (error) {
        this.#onListenerError(event, error);
      }
    }
  }
}

function checkListener(event: PropertyKey, listener: unknown): void {
  if (typeof listener !== "function") {
    throw new TypeError(`The listener for "${String(event)}" must be a function; got ${typeof listener}.`);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
