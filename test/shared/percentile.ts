// The one percentile rule of the tests and the benchmark: nearest rank.

/** Nearest-rank percentile of an ascending-sorted array (p in 0..100): the smallest value with at least p % of the samples at or below it. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? NaN;
}
