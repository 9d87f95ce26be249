// IMDSv2 session tokens: they expire, cannot be forged, and (being stateless) a flood of PUTs
// can neither grow memory nor evict a token someone else holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImdsTokens } from '../../src/server/imds-tokens.js';

describe('ImdsTokens', () => {
  it('a token is valid until its TTL has passed, then refused', () => {
    let now = 1_000_000;
    const tokens = new ImdsTokens(() => now);
    const t = tokens.issue(60);
    assert.match(t, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(tokens.valid(t), true);
    assert.equal(tokens.valid(undefined), false);
    assert.equal(tokens.valid(`${t}x`), false);
    now += 59_999;
    assert.equal(tokens.valid(t), true);
    now += 1;
    assert.equal(tokens.valid(t), false);
  });

  it('a token with its expiry or MAC changed, or from another daemon start, is refused', () => {
    const tokens = new ImdsTokens(() => 0);
    const t = tokens.issue(3600);
    const raw = Buffer.from(t, 'base64url');
    const later = Buffer.from(raw);
    later[5] = (later[5] ?? 0) ^ 0xff; // push the expiry
    assert.equal(tokens.valid(later.toString('base64url')), false);
    const badMac = Buffer.from(raw);
    badMac[raw.length - 1] = (badMac[raw.length - 1] ?? 0) ^ 1;
    assert.equal(tokens.valid(badMac.toString('base64url')), false);
    assert.equal(new ImdsTokens(() => 0).valid(t), false, 'a restart invalidates old tokens');
  });

  it('a flood of tokens evicts nobody: the first token stays valid after 100 000 more', () => {
    const tokens = new ImdsTokens(() => 0);
    const first = tokens.issue(21_600);
    for (let i = 0; i < 100_000; i++) tokens.issue(21_600);
    assert.equal(tokens.valid(first), true);
  });
});
