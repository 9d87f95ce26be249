// Small numeric helpers for the benchmark: medians, latency samples, formatting. Percentiles follow
// the tests' one rule (nearest rank).
import { percentile } from '../test/shared/percentile.js';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Grows as needed; records latencies (ms, fractional) without per-sample allocation. */
export class Samples {
  private data = new Float64Array(1 << 16);
  private n = 0;

  add(v: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = v;
  }

  get count(): number {
    return this.n;
  }

  /** p50/p99/max in ms. */
  summary(): { p50: number; p99: number; max: number } {
    const sorted = this.data.slice(0, this.n).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: this.n === 0 ? NaN : (sorted[this.n - 1] ?? NaN) };
  }
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : '–';
}

export function fmtMb(kb: number): string {
  return Number.isFinite(kb) ? `${(kb / 1024).toFixed(1)} MB` : '–';
}

/** A Markdown table; the console shows the same text. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}
