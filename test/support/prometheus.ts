/**
 * A real Prometheus text parser (parse-prometheus-text-format, a port of the
 * Python client's parser) behind a typed helper, so tests read the exposition
 * text as Prometheus would rather than with regular expressions of their own.
 */
import parse from "parse-prometheus-text-format";

/** One parsed sample: its labels and value (or buckets, sum and count for a histogram). */
export interface ParsedSample {
  labels?: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  sum?: string;
  count?: string;
}

/** One parsed metric family. */
export interface ParsedFamily {
  name: string;
  help: string;
  type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
  metrics: ParsedSample[];
}

/** The families in `text`, by name; throws on text Prometheus would refuse. */
export function parseMetrics(text: string): Map<string, ParsedFamily> {
  const families = parse(text) as ParsedFamily[];
  return new Map(families.map((family) => [family.name, family]));
}

/** The value of the sample of `name` whose labels include `labels`, as a number; undefined when absent. */
export function sampleValue(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const sample = families
    .get(name)
    ?.metrics.find((m) => Object.entries(labels).every(([key, value]) => m.labels?.[key] === value));
  if (sample === undefined) return undefined;
  return Number(sample.value ?? sample.count);
}

/**
 * One series of a labelled histogram. The parser folds every label set of a
 * histogram into one sample (it keeps only `le` and unlabelled lines), so the
 * series' lines are picked out, their other labels taken off, and that family
 * is parsed alone. The label values must need no escaping.
 */
export function histogramSeries(
  text: string,
  name: string,
  labels: Record<string, string>,
): { buckets: Record<string, string>; sum: number; count: number } | undefined {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const lines = text
    .split("\n")
    .filter((line) => /^(\w+)(\{|\s)/.exec(line)?.[1]?.match(new RegExp(`^${name}_(bucket|sum|count)$`)))
    .filter((line) => pairs.every((pair) => line.includes(pair)))
    .map((line) => pairs.reduce((l, pair) => l.replace(new RegExp(`${pair},?`), ""), line).replace("{}", ""));
  if (lines.length === 0) return undefined;
  const [family] = parse(`# TYPE ${name} histogram\n${lines.join("\n")}\n`) as ParsedFamily[];
  const sample = family?.metrics[0];
  return { buckets: sample?.buckets ?? {}, sum: Number(sample?.sum), count: Number(sample?.count) };
}
