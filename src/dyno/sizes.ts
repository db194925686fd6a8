// Dyno sizes: Heroku's names, and the memory quota and process limit each gets.
export interface DynoSize { name: string; label: string; memoryMb: number; pids: number; cpuWeight: number }

export const DYNO_SIZES: DynoSize[] = [
  { name: "basic", label: "Basic", memoryMb: 512, pids: 256, cpuWeight: 100 },
  { name: "standard-1x", label: "Standard-1X", memoryMb: 512, pids: 256, cpuWeight: 100 },
  { name: "standard-2x", label: "Standard-2X", memoryMb: 1024, pids: 512, cpuWeight: 200 },
  { name: "performance-m", label: "Performance-M", memoryMb: 2560, pids: 16384, cpuWeight: 400 },
  { name: "performance-l", label: "Performance-L", memoryMb: 14336, pids: 32768, cpuWeight: 800 },
];

export const DEFAULT_SIZE = "standard-1x";

/** Accepts Heroku's spellings (`standard-2x`, `Standard-2X`, `2X`); null when unknown. */
export function dynoSize(input: string): DynoSize | null {
  const wanted = input.toLowerCase();
  return DYNO_SIZES.find((s) => s.name === wanted || s.name === `standard-${wanted}`) ?? null;
}
