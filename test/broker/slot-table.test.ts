// The broker's profile slots stay bounded under requests for endless made-up profile names,
// and what is evicted is what is least useful; an evicted slot's refresh timer is cancelled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlotTable } from '../../src/broker/slot-table.js';
import { ManualClock } from '../support/manual-clock.js';

const HOUR = 3_600_000;
const creds = (expiresAt: number) => ({ accessKeyId: 'ASIAFAKE', secretAccessKey: 's', sessionToken: 't', expiration: new Date(expiresAt) });

describe('SlotTable', () => {
  it('stays bounded (256) under a flood of names, and never evicts the kept (active) profile', () => {
    const clock = new ManualClock(0);
    const table = new SlotTable(clock, (s) => s.name === 'active');
    table.for('active');
    for (let i = 0; i < 5_000; i++) table.for(`made-up-${i}`);
    assert.ok(table.values().length <= 256, `${table.values().length} slots`);
    assert.ok(table.get('active'), 'the active profile survived');
    assert.ok(table.get('made-up-4999'), 'the newest is there');
  });

  it('evicts slots with nothing usable first, keeping those with valid credentials and their timers', () => {
    const clock = new ManualClock(0);
    const table = new SlotTable(clock, () => false);
    for (let i = 0; i < 10; i++) {
      const s = table.for(`warm-${i}`);
      s.creds = creds(HOUR);
      s.issuedAt = 0;
      s.lastRequestedAt = 0;
      s.timer = clock.setTimeout(() => undefined, HOUR / 2);
    }
    for (let i = 0; i < 300; i++) table.for(`cold-${i}`);
    for (let i = 0; i < 10; i++) assert.ok(table.get(`warm-${i}`), `warm-${i} (valid credentials) was evicted before empty slots`);
    assert.equal(clock.pending(), 10, 'their refresh timers are still set');
  });

  it('when every slot holds valid credentials, the least recently asked-for quarter goes, with its timers', () => {
    const clock = new ManualClock(0);
    const table = new SlotTable(clock, () => false);
    for (let i = 0; i < 256; i++) {
      const s = table.for(`p${i}`);
      s.creds = creds(HOUR);
      s.lastRequestedAt = i;
      s.timer = clock.setTimeout(() => undefined, HOUR / 2);
    }
    table.for('newcomer');
    assert.equal(table.values().length, 256 - 64 + 1);
    assert.equal(table.get('p0'), undefined, 'the least recently asked for went');
    assert.ok(table.get('p255'), 'the most recently asked for stayed');
    assert.equal(clock.pending(), 256 - 64, 'evicted slots took their refresh timers with them');
  });
});
