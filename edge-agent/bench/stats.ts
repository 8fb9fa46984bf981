/** Latency percentiles over a list of samples in milliseconds. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export interface RunFigures {
  count: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export function figures(latenciesMs: readonly number[], seconds: number): RunFigures {
  return {
    count: latenciesMs.length,
    seconds: round(seconds, 3),
    perSecond: Math.round(latenciesMs.length / seconds),
    p50Ms: round(percentile(latenciesMs, 50), 4),
    p99Ms: round(percentile(latenciesMs, 99), 4),
  };
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
