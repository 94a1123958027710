// The typed emitter behind worker.on/off/once: EventEmitter's semantics, and listeners that cannot break the caller.
import { describe, expect, it, vi } from "vitest";
import { TypedEmitter } from "../src/emitter.js";

interface Events {
  tick: { n: number };
  tock: { at: string };
}

function emitter() {
  const failures: Array<{ event: string; error: unknown }> = [];
  const events = new TypedEmitter<Events>((event, error) => failures.push({ event: String(event), error }));
  return { events, failures };
}

describe("TypedEmitter", () => {
  it("calls listeners in the order added, with the payload; an event without listeners costs a lookup", () => {
    const { events } = emitter();
    const calls: string[] = [];
    events.on("tick", ({ n }) => void calls.push(`a${n}`));
    events.on("tick", ({ n }) => void calls.push(`b${n}`));
    events.emit("tick", { n: 1 });
    events.emit("tock", { at: "now" });
    expect(calls).toEqual(["a1", "b1"]);
    expect(events.listenerCount("tock")).toBe(0);
  });

  it("a listener added or removed during an emit takes effect from the next emit", () => {
    const { events } = emitter();
    const late = vi.fn();
    const second = vi.fn();
    events.on("tick", () => {
      events.on("tick", late);
      events.off("tick", second);
    });
    events.on("tick", second);
    events.emit("tick", { n: 1 });
    expect(second).toHaveBeenCalledTimes(1);
    expect(late).not.toHaveBeenCalled();
    events.emit("tick", { n: 2 });
    expect(second).toHaveBeenCalledTimes(1);
    expect(late).toHaveBeenCalledTimes(1);
  });

  it("off removes the most recently added instance; once removes itself before it runs", () => {
    const { events } = emitter();
    const order: string[] = [];
    const a = () => void order.push("a");
    const b = () => void order.push("b");
    events.on("tick", a);
    events.on("tick", b);
    events.on("tick", a);
    events.off("tick", a);
    events.emit("tick", { n: 1 });
    expect(order).toEqual(["a", "b"]);
    const once = vi.fn(() => events.emit("tick", { n: 99 })); // re-entrant: not called again
    events.once("tick", once);
    events.emit("tick", { n: 2 });
    events.emit("tick", { n: 3 });
    expect(once).toHaveBeenCalledTimes(1);
    expect(once).toHaveBeenCalledWith({ n: 2 });
    events.off("tock", a); // nothing there: no error
  });

  it("once removes only itself: an on of the same function added after it stays", () => {
    const { events } = emitter();
    const listener = vi.fn();
    events.once("tick", listener);
    events.on("tick", listener);
    events.emit("tick", { n: 1 });
    expect(listener).toHaveBeenCalledTimes(2);
    expect(events.listenerCount("tick")).toBe(1);
    events.emit("tick", { n: 2 });
    expect(listener).toHaveBeenCalledTimes(3);
    expect(events.listenerCount("tick")).toBe(1);
  });

  it("a throwing listener and a rejecting one are reported; the other listeners still run", async () => {
    const { events, failures } = emitter();
    const after = vi.fn();
    const boom = new Error("boom");
    events.on("tick", () => {
      throw boom;
    });
    events.on("tick", () => Promise.reject(new Error("later")));
    events.on("tick", after);
    expect(() => events.emit("tick", { n: 1 })).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(failures).toHaveLength(2));
    expect(failures[0]).toEqual({ event: "tick", error: boom });
    expect(failures[1]).toEqual({ event: "tick", error: new Error("later") });
  });

  it("a listener that is not a function is a TypeError naming the event", () => {
    const { events } = emitter();
    expect(() => events.on("tick", 42 as never)).toThrow(
      new TypeError('The listener for "tick" must be a function; got number.'),
    );
    expect(() => events.once("tock", null as never)).toThrow(/"tock" must be a function; got object/);
  });
});
