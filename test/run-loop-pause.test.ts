/**
 * The pause read from the coordinator's answers: when refusals mean "paused",
 * when they do not, one probe a round while paused, and the way out.
 */
import { describe, expect, it } from "vitest";
import type { Job } from "../src/index.js";
import { PauseTracker } from "../src/run-loop/pause.js";

const pending = (...ids: number[]): Job[] => ids.map((id) => ({ id, prompt: "p", status: "pending" }));

describe("PauseTracker", () => {
  it("a refused claim of a job the inbox still lists as pending starts a pause", () => {
    const pause = new PauseTracker();
    pause.refused(1);
    expect(pause.paused).toBe(false);
    expect(pause.listed(pending(1, 2), 1_000)).toBe("paused");
    expect(pause).toMatchObject({ paused: true, pausedAt: 1_000 });
    // Seen once: later lists do not start it again.
    pause.refused(2);
    expect(pause.listed(pending(1, 2), 2_000)).toBeUndefined();
    expect(pause.pausedAt).toBe(1_000);
  });

  it("a refused claim of a job that another worker took (no longer pending) is no pause", () => {
    const pause = new PauseTracker();
    pause.refused(1);
    expect(pause.listed(pending(2), 0)).toBeUndefined();
    expect(pause.listed([{ id: 1, prompt: "p", status: "running" }], 0)).toBeUndefined();
    expect(pause.paused).toBe(false);
  });

  it("refusals of an earlier round do not count: a job taken, then requeued, is no pause", () => {
    const pause = new PauseTracker();
    pause.refused(1);
    pause.roundEnded();
    expect(pause.listed(pending(1), 0)).toBeUndefined();
    // An accepted claim forgets refusals too.
    pause.refused(2);
    expect(pause.accepted()).toBeUndefined();
    expect(pause.listed(pending(2), 0)).toBeUndefined();
  });

  it("while paused, one probe a round, each round another job; an accepted claim ends the pause", () => {
    const pause = new PauseTracker();
    pause.refused(1);
    pause.listed(pending(1), 0);
    const candidates = pending(1, 2, 3);
    expect(pause.probe(candidates)?.id).toBe(1);
    expect(pause.probe(candidates)).toBeUndefined();
    const probes: Array<Job["id"] | undefined> = [];
    for (let round = 0; round < 4; round++) {
      pause.roundEnded();
      probes.push(pause.probe(candidates)?.id);
    }
    // A job the coordinator keeps refusing for itself does not hide the others.
    expect(probes).toEqual([2, 3, 1, 2]);
    pause.roundEnded();
    expect(pause.probe([])).toBeUndefined();
    expect(pause.accepted()).toBe("resumed");
    expect(pause).toMatchObject({ paused: false, pausedAt: undefined });
  });
});
