// IMDSv2 session tokens: they expire, and a flood of PUTs cannot grow the map without bound.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImdsTokens } from '../../src/server/imds-tokens.js';

describe('ImdsTokens', () => {
  it('a token is valid until its TTL has passed, then refused and forgotten', () => {
    let now = 1_000_000;
    const tokens = new ImdsTokens(() => now, 10);
    const t = tokens.issue(60);
    assert.match(t, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(tokens.valid(t), true);
    assert.equal(tokens.valid(undefined), false);
    assert.equal(tokens.valid(`${t}x`), false);
    now += 59_999;
    assert.equal(tokens.valid(t), true);
    now += 1;
    assert.equal(tokens.valid(t), false);
    assert.equal(tokens.size, 0, 'an expired token is dropped when seen');
  });

  it('when full, expired tokens go first and live ones stay', () => {
    let now = 0;
    const tokens = new ImdsTokens(() => now, 8);
    const short = Array.from({ length: 4 }, () => tokens.issue(1));
    const long = Array.from({ length: 4 }, () => tokens.issue(3600));
    now += 2_000;
    const next = tokens.issue(3600);
    assert.equal(tokens.size, 5, 'the four expired tokens made room');
    for (const t of [...long, next]) assert.equal(tokens.valid(t), true);
    for (const t of short) assert.equal(tokens.valid(t), false);
  });

  it('a flood of live tokens: the map never exceeds its bound; the oldest quarter goes, the newest stay valid', () => {
    const tokens = new ImdsTokens(() => 0, 100);
    const issued = Array.from({ length: 1_000 }, () => tokens.issue(21_600));
    assert.ok(tokens.size <= 100, `${tokens.size} tokens held`);
    assert.equal(tokens.valid(issued[0]), false, 'the oldest was evicted');
    for (const t of issued.slice(-50)) assert.equal(tokens.valid(t), true, 'recent tokens survive');
  });
});
