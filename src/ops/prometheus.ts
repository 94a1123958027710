/**
 * The Prometheus text exposition format, version 0.0.4, with no dependency:
 * counters, gauges and histograms with labels, rendered with `# HELP` and
 * `# TYPE` lines. Escaping follows the format's rules (as prom-client does):
 * in HELP text `\` and line breaks; in label values also `"`.
 */

/** The content type a scrape answer carries. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Label values by label name. */
export type Labels = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text: backslashes and line breaks escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A label value: backslashes, double quotes and line breaks escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** A sample value as the format spells it: `NaN`, `+Inf`, `-Inf`, else the shortest decimal. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

abstract class Metric<Series> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Series by their label values joined, in the order they first appeared. */
  protected readonly series = new Map<string, { labels: string; data: Series }>();

  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    if (!METRIC_NAME.test(name)) throw new TypeError(`"${name}" is not a valid Prometheus metric name.`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith("__") || label === "le") {
        throw new TypeError(`"${label}" is not a valid label name for ${name}.`);
      }
    }
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  abstract readonly type: "counter" | "gauge" | "histogram";

  protected abstract fresh(): Series;

  protected abstract renderSeries(labels: string, data: Series): string;

  /** The series for these labels, made on first use. */
  protected at(labels: Labels | undefined): Series {
    const values = this.labelNames.map((label) => {
      const value = labels?.[label];
      if (value === undefined) throw new TypeError(`${this.name} needs the label "${label}".`);
      return value;
    });
    const key = values.join("\u0000");
    let entry = this.series.get(key);
    if (entry === undefined) {
      const text = values.map((value, i) => `${this.labelNames[i]}="${escapeLabelValue(value)}"`).join(",");
      entry = { labels: text, data: this.fresh() };
      this.series.set(key, entry);
    }
    return entry.data;
  }

  /** This metric's lines, HELP and TYPE first. A metric without labels shows 0 before its first sample. */
  render(): string {
    if (this.labelNames.length === 0) this.at(undefined);
    let text = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n`;
    for (const { labels, data } of this.series.values()) text += this.renderSeries(labels, data);
    return text;
  }
}

const braces = (labels: string) => (labels === "" ? "" : `{${labels}}`);

/** A metric of one number per series: a counter's or a gauge's. */
abstract class SingleValueMetric extends Metric<{ value: number }> {
  protected fresh() {
    return { value: 0 };
  }

  protected renderSeries(labels: string, data: { value: number }): string {
    return `${this.name}${braces(labels)} ${formatValue(data.value)}\n`;
  }
}

/** A value that only goes up. */
export class Counter extends SingleValueMetric {
  readonly type = "counter";

  /** Adds `by` (1 unless given; never negative). */
  inc(labels?: Labels, by = 1): void {
    if (!(by >= 0)) throw new RangeError(`${this.name} can only go up; got ${by}.`);
    this.at(labels).value += by;
  }
}

/** A value that goes up and down. */
export class Gauge extends SingleValueMetric {
  readonly type = "gauge";

  /** Sets the value of the series with these labels. */
  set(value: number, labels?: Labels): void {
    this.at(labels).value = value;
  }
}

interface HistogramSeries {
  /** Observations per bucket, not cumulative (made cumulative when rendered). */
  counts: number[];
  sum: number;
  count: number;
}

/** Observations counted in buckets, with their sum and count. */
export class Histogram extends Metric<HistogramSeries> {
  readonly type = "histogram";
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames);
    const sorted = [...buckets].sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some((b, i) => !Number.isFinite(b) || b === sorted[i - 1])) {
      throw new TypeError(`${name} needs distinct, finite bucket bounds; got ${JSON.stringify(buckets)}.`);
    }
    this.buckets = sorted;
  }

  /** Counts one observation. */
  observe(value: number, labels?: Labels): void {
    const series = this.at(labels);
    let i = 0;
    while (i < this.buckets.length && value > (this.buckets[i] as number)) i++;
    if (i < this.buckets.length) (series.counts[i] as number)++;
    series.sum += value;
    series.count++;
  }

  protected fresh(): HistogramSeries {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  protected renderSeries(labels: string, data: HistogramSeries): string {
    const prefix = labels === "" ? "" : `${labels},`;
    let text = "";
    let cumulative = 0;
    for (const [i, bound] of this.buckets.entries()) {
      cumulative += data.counts[i] as number;
      text += `${this.name}_bucket{${prefix}le="${formatValue(bound)}"} ${cumulative}\n`;
    }
    text += `${this.name}_bucket{${prefix}le="+Inf"} ${data.count}\n`;
    text += `${this.name}_sum${braces(labels)} ${formatValue(data.sum)}\n`;
    text += `${this.name}_count${braces(labels)} ${data.count}\n`;
    return text;
  }
}

/** Any metric the registry renders. */
export type AnyMetric = Counter | Gauge | Histogram;

/** Metrics rendered together as one scrape answer. */
export class Registry {
  readonly #metrics = new Map<string, AnyMetric>();

  /** Adds a metric; its name must be new to this registry. */
  add<M extends AnyMetric>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new TypeError(`A metric named ${metric.name} is registered already.`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  /** The exposition text of every metric, in the order they were added. */
  render(): string {
    let text = "";
    for (const metric of this.#metrics.values()) text += metric.render();
    return text;
  }
}
