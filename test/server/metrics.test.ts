import { expect, test } from "bun:test";
import { dampedLoad } from "../../src/server/metrics.ts";

test("load averages damp like the kernel's: a steady load converges, the 1m average moves fastest", () => {
  let load: [number, number, number] = [0, 0, 0];
  load = dampedLoad(load, 2, 20_000);
  expect(load[0]).toBeCloseTo(2 * (1 - Math.exp(-1 / 3)), 6);
  expect(load[0]).toBeGreaterThan(load[1]);
  expect(load[1]).toBeGreaterThan(load[2]);
  for (let i = 0; i < 500; i++) load = dampedLoad(load, 2, 20_000);
  expect(load.map((x) => Number(x.toFixed(2)))).toEqual([2, 2, 2]);
  expect(dampedLoad([1, 1, 1], 0, 60_000)[0]).toBeCloseTo(Math.exp(-1), 6);
});
