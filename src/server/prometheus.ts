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

/** Counts per label set, keyed by the set's text so updates don't allocate. */
export class CounterVec {
  private readonly counts = new Map<string, { labels: Labels; value: number }>();

  inc(labels: Labels, by = 1): void {
    const key = labelText(labels);
    const entry = this.counts.get(key);
    if (entry) entry.value += by;
    else this.counts.set(key, { labels, value: by });
  }

  samples(): { labels: Labels; value: number }[] {
    return [...this.counts.values()];
  }
}

/** Cumulative buckets, sum and count per label set. */
export class HistogramVec {
  private readonly series = new Map<string, { labels: Labels; buckets: number[]; sum: number; count: number }>();

  constructor(private readonly bounds: number[]) {}

  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, buckets: this.bounds.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) s.buckets[i]!++;
    s.sum += value;
    s.count++;
  }

  samples(): { suffix: string; labels: Labels; value: number }[] {
    return [...this.series.values()].flatMap((s) => [
      ...this.bounds.map((le, i) => ({ suffix: "_bucket", labels: { le: String(le), ...s.labels }, value: s.buckets[i]! })),
      { suffix: "_bucket", labels: { le: "+Inf", ...s.labels }, value: s.count },
      { suffix: "_sum", labels: s.labels, value: s.sum },
      { suffix: "_count", labels: s.labels, value: s.count },
    ]);
  }
}
