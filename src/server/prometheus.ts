// The Prometheus text exposition format (version 0.0.4), for the few figures Slipway exports. Written
// here rather than with prom-client, which costs an idle server about 13 MB of resident memory.
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type Labels = Record<string, string>;

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (labels: Labels) => {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return pairs.length ? `{${pairs.join(",")}}` : "";
};

/** One metric family: its `# HELP`, `# TYPE` and sample lines. */
export function family(name: string, type: "counter" | "gauge" | "histogram", help: string, samples: { suffix?: string; labels: Labels; value: number }[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const s of samples) lines.push(`${name}${s.suffix ?? ""}${labelText(s.labels)} ${s.value}`);
  return `${lines.join("\n")}\n`;
}

/** One counter series: a caller on a hot path keeps it and adds to `value`, with no label lookup. */
export interface CounterSeries { readonly labels: Labels; value: number }

/** Counts per label set, keyed by the set's text. */
export class CounterVec {
  private readonly counts = new Map<string, CounterSeries>();

  /** The live series for `labels`, created at 0. */
  series(labels: Labels): CounterSeries {
    const key = labelText(labels);
    let entry = this.counts.get(key);
    if (!entry) this.counts.set(key, (entry = { labels, value: 0 }));
    return entry;
  }

  inc(labels: Labels, by = 1): void {
    this.series(labels).value += by;
  }

  samples(): CounterSeries[] {
    return [...this.counts.values()];
  }
}

/** One histogram series: cumulative buckets, sum and count. */
export class HistogramSeries {
  readonly buckets: number[];
  sum = 0;
  count = 0;

  constructor(readonly labels: Labels, private readonly bounds: number[]) {
    this.buckets = bounds.map(() => 0);
  }

  observe(value: number): void {
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) this.buckets[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class HistogramVec {
  private readonly all = new Map<string, HistogramSeries>();

  constructor(private readonly bounds: number[]) {}

  /** The live series for `labels`, created empty; a hot path keeps it and calls `observe` on it. */
  series(labels: Labels): HistogramSeries {
    const key = labelText(labels);
    let s = this.all.get(key);
    if (!s) this.all.set(key, (s = new HistogramSeries(labels, this.bounds)));
    return s;
  }

  observe(labels: Labels, value: number): void {
    this.series(labels).observe(value);
  }

  samples(): { suffix: string; labels: Labels; value: number }[] {
    return [...this.all.values()].flatMap((s) => [
      ...this.bounds.map((le, i) => ({ suffix: "_bucket", labels: { le: String(le), ...s.labels }, value: s.buckets[i]! })),
      { suffix: "_bucket", labels: { le: "+Inf", ...s.labels }, value: s.count },
      { suffix: "_sum", labels: s.labels, value: s.sum },
      { suffix: "_count", labels: s.labels, value: s.count },
    ]);
  }
}
