// The Prometheus text writer, read back by a real parser of the format.
import { describe, expect, it } from "vitest";
import {
  Counter,
  escapeHelp,
  escapeLabelValue,
  formatValue,
  Gauge,
  Histogram,
  Registry,
} from "../../src/ops/prometheus.js";
import { histogramSeries, parseMetrics, sampleValue } from "../support/prometheus.js";

describe("the Prometheus text writer", () => {
  it("writes HELP and TYPE lines and one line per series", () => {
    const registry = new Registry();
    const jobs = registry.add(new Counter("app_jobs_total", "Jobs done.", ["outcome"]));
    const inFlight = registry.add(new Gauge("app_in_flight", "Jobs in hand."));
    jobs.inc({ outcome: "done" });
    jobs.inc({ outcome: "done" }, 2);
    jobs.inc({ outcome: "failed" });
    inFlight.set(3);
    expect(registry.render()).toBe(
      [
        "# HELP app_jobs_total Jobs done.",
        "# TYPE app_jobs_total counter",
        'app_jobs_total{outcome="done"} 3',
        'app_jobs_total{outcome="failed"} 1',
        "# HELP app_in_flight Jobs in hand.",
        "# TYPE app_in_flight gauge",
        "app_in_flight 3",
        "",
      ].join("\n"),
    );
  });

  it("shows a metric without labels as 0 before its first sample, and a labelled one without series", () => {
    const registry = new Registry();
    registry.add(new Counter("a_total", "A."));
    registry.add(new Counter("b_total", "B.", ["class"]));
    const parsed = parseMetrics(registry.render());
    expect(sampleValue(parsed, "a_total")).toBe(0);
    expect(parsed.get("b_total")?.metrics).toEqual([]);
  });

  it("escapes label values and HELP text so a parser reads back what was written", () => {
    const registry = new Registry();
    const odd = 'C:\\dir\\"quoted"\nnext line';
    registry.add(new Gauge("odd", 'Help with a \\ backslash\nand a "second" line.', ["path"])).set(1, { path: odd });
    const text = registry.render();
    expect(text).toContain('odd{path="C:\\\\dir\\\\\\"quoted\\"\\nnext line"} 1');
    expect(text.split("\n")).toHaveLength(4); // no raw line break leaked from a label or the help
    const family = parseMetrics(text).get("odd");
    expect(family?.metrics[0]?.labels).toEqual({ path: odd });
    expect(escapeHelp("a\\b\nc")).toBe("a\\\\b\\nc");
    expect(escapeLabelValue('"')).toBe('\\"');
  });

  it("spells special values as the format does", () => {
    expect([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1, 1e-7, 42].map(formatValue)).toEqual([
      "NaN",
      "+Inf",
      "-Inf",
      "0.1",
      "1e-7",
      "42",
    ]);
  });

  it("writes histograms with cumulative buckets, +Inf, sum and count, per label set", () => {
    const registry = new Registry();
    const h = registry.add(new Histogram("took_seconds", "Time taken.", ["route"], [1, 0.1, 0.5]));
    for (const v of [0.05, 0.1, 0.3, 0.7, 2]) h.observe(v, { route: "claim" });
    h.observe(0.2, { route: "inbox" });
    const text = registry.render();
    expect(text).toContain('took_seconds_bucket{route="claim",le="0.1"} 2\n'); // 0.1 counts in le="0.1"
    expect(text).toContain('took_seconds_bucket{route="claim",le="+Inf"} 5\n');
    expect(parseMetrics(text).get("took_seconds")?.type).toBe("HISTOGRAM");
    const claim = histogramSeries(text, "took_seconds", { route: "claim" });
    expect(claim).toMatchObject({ buckets: { "0.1": "2", "0.5": "3", "1": "4", "+Inf": "5" }, count: 5 });
    expect(claim?.sum).toBeCloseTo(3.15);
    expect(histogramSeries(text, "took_seconds", { route: "inbox" })).toEqual({
      buckets: { "0.1": "0", "0.5": "1", "1": "1", "+Inf": "1" },
      sum: 0.2,
      count: 1,
    });
  });

  it("refuses bad names, missing labels, a counter going down and duplicate metrics, saying which", () => {
    expect(() => new Counter("bad-name", "x")).toThrow('"bad-name" is not a valid Prometheus metric name.');
    expect(() => new Counter("ok", "x", ["__reserved"])).toThrow('"__reserved" is not a valid label name for ok.');
    expect(() => new Histogram("h", "x", ["le"], [1])).toThrow('"le" is not a valid label name');
    expect(() => new Histogram("h", "x", [], [])).toThrow("h needs distinct, finite bucket bounds");
    const c = new Counter("c_total", "x", ["route"]);
    expect(() => c.inc({})).toThrow('c_total needs the label "route".');
    expect(() => c.inc({ route: "a" }, -1)).toThrow("c_total can only go up; got -1.");
    const registry = new Registry();
    registry.add(c);
    expect(() => registry.add(new Counter("c_total", "y"))).toThrow("A metric named c_total is registered already.");
  });
});
