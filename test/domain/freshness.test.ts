// The freshness policy on its own: which credentials are served, which renewed, and when.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs, classify, HARD_MARGIN_MS, minServeMs, refreshAheadMs, refreshDueAt } from '../../src/domain/freshness.js';

const MIN = 60_000;
const ISSUED = Date.UTC(2026, 0, 1);
const HOUR = 60 * MIN;
/** classify for 1 h credentials issued at ISSUED, `left` ms before they expire. */
const leftOfHour = (left: number) => classify(ISSUED + HOUR, ISSUED, ISSUED + HOUR - left);

describe('domain/freshness', () => {
  it('1 h credentials: fresh down to 30 min left, aging down to 20, stale down to the 60 s hard margin, then expired', () => {
    assert.equal(leftOfHour(HOUR), 'fresh');
    assert.equal(leftOfHour(30 * MIN), 'fresh');
    assert.equal(leftOfHour(30 * MIN - 1), 'aging');
    assert.equal(leftOfHour(20 * MIN), 'aging');
    assert.equal(leftOfHour(20 * MIN - 1), 'stale', 'below 20 min: botocore (15 min) is about to refresh; never hand these out if fresher can be had');
    assert.equal(leftOfHour(HARD_MARGIN_MS + 1), 'stale');
    assert.equal(leftOfHour(HARD_MARGIN_MS), 'expired', 'at the hard margin they are not served at all');
    assert.equal(leftOfHour(0), 'expired');
    assert.equal(leftOfHour(-MIN), 'expired');
  });

  it('the hard margin is 60 s, whatever the lifetime', () => {
    assert.equal(HARD_MARGIN_MS, 60_000);
    // 90 s credentials: a third (30 s) and a half (45 s) are below the hard margin, which wins.
    assert.equal(classify(ISSUED + 90_000, ISSUED, ISSUED + 29_000), 'fresh');
    assert.equal(classify(ISSUED + 90_000, ISSUED, ISSUED + 30_000), 'expired');
  });

  it('minimum-serve margin: 20 min for long lifetimes, a third of the lifetime for short ones', () => {
    assert.equal(minServeMs(12 * HOUR), 20 * MIN);
    assert.equal(minServeMs(HOUR), 20 * MIN);
    assert.equal(minServeMs(15 * MIN), 5 * MIN);
    // 15 min credentials (the shortest AssumeRole allows): stale below 5 min left.
    assert.equal(classify(ISSUED + 15 * MIN, ISSUED, ISSUED + 10 * MIN - 1), 'aging');
    assert.equal(classify(ISSUED + 15 * MIN, ISSUED, ISSUED + 10 * MIN + 1), 'stale');
  });

  it('refresh-ahead: 30 min before expiry for long lifetimes, half-way for short ones', () => {
    assert.equal(refreshAheadMs(12 * HOUR), 30 * MIN);
    assert.equal(refreshAheadMs(HOUR), 30 * MIN);
    assert.equal(refreshAheadMs(20 * MIN), 10 * MIN);
    assert.equal(refreshDueAt(ISSUED + HOUR, ISSUED), ISSUED + 30 * MIN);
    assert.equal(refreshDueAt(ISSUED + 12 * HOUR, ISSUED), ISSUED + 11.5 * HOUR);
    assert.equal(refreshDueAt(ISSUED + 20 * MIN, ISSUED), ISSUED + 10 * MIN);
    // The refresh falls due as they turn from fresh to aging, well before they turn stale.
    const due = refreshDueAt(ISSUED + HOUR, ISSUED);
    assert.equal(classify(ISSUED + HOUR, ISSUED, due - 1), 'fresh');
    assert.equal(classify(ISSUED + HOUR, ISSUED, due + 1), 'aging');
  });

  it('a lifetime that looks negative (clock skew) counts as zero: the hard margin alone decides', () => {
    assert.equal(classify(ISSUED + 10 * MIN, ISSUED + 20 * MIN, ISSUED), 'fresh');
    assert.equal(classify(ISSUED + 10 * MIN, ISSUED + 20 * MIN, ISSUED + 10 * MIN - HARD_MARGIN_MS), 'expired');
  });

  it('backoff: doubles from 2 s with full jitter between half and all of it, capped at 5 min', () => {
    assert.equal(backoffMs(0, () => 0), 1_000);
    assert.equal(backoffMs(0, () => 1), 2_000);
    assert.equal(backoffMs(1, () => 1), 4_000);
    assert.equal(backoffMs(3, () => 0.5), 12_000);
    assert.equal(backoffMs(30, () => 1), 5 * MIN);
    assert.equal(backoffMs(30, () => 0), 2.5 * MIN);
    assert.equal(backoffMs(-3, () => 1), 2_000);
  });
});
