import { expect, test } from "bun:test";
// @ts-expect-error: the parser ships no types
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { CounterVec, HistogramVec, family } from "../../src/server/prometheus.ts";

test("counters and histograms in the text format a Prometheus parser reads back", () => {
  const requests = new CounterVec();
  requests.inc({ app: "a", status_class: "2xx" });
  requests.inc({ app: "a", status_class: "2xx" });
  requests.inc({ app: 'we"ird\\app', status_class: "5xx" });
  const latency = new HistogramVec([0.1, 1]);
  latency.observe({ app: "a" }, 0.05);
  latency.observe({ app: "a" }, 0.5);
  latency.observe({ app: "a" }, 5);
  const text = family("reqs_total", "counter", "Requests", requests.samples()) + family("lat_seconds", "histogram", "Latency", latency.samples());
  const parsed = parsePrometheusTextFormat(text) as any[];
  const reqs = parsed.find((f) => f.name === "reqs_total");
  expect(reqs.type).toBe("COUNTER");
  expect(reqs.metrics).toContainEqual({ labels: { app: "a", status_class: "2xx" }, value: "2" });
  expect(reqs.metrics).toContainEqual({ labels: { app: 'we"ird\\app', status_class: "5xx" }, value: "1" });
  const lat = parsed.find((f) => f.name === "lat_seconds");
  expect(lat.type).toBe("HISTOGRAM");
  expect(lat.metrics[0].buckets).toEqual({ "0.1": "1", "1": "2", "+Inf": "3" });
  // This parser drops _sum and _count of labelled histograms, so those lines are checked as text.
  expect(text).toContain('lat_seconds_count{app="a"} 3\n');
  expect(text).toContain('lat_seconds_sum{app="a"} 5.55\n');
});
