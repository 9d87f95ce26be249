// The daemon's start/stop: what started is stopped newest first, once, and one failing stop
// does not keep the others from running.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { Lifecycle } from '../../src/daemon/lifecycle.js';
import { createLogger } from '../../src/platform/logger.js';

function logged() {
  let text = '';
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, done) => ((text += c.toString()), done()) }) });
  return { logger, text: () => text };
}

describe('Lifecycle', () => {
  it('stops what started in reverse order, and a failing step is logged, not fatal', async () => {
    const log = logged();
    const life = new Lifecycle(log.logger);
    const order: string[] = [];
    life.started('lock', async () => order.push('lock'));
    life.started('server', async () => {
      order.push('server');
      throw new Error('close failed');
    });
    life.started('socket', async () => order.push('socket'));
    await life.stop();
    assert.deepEqual(order, ['socket', 'server', 'lock']);
    assert.match(log.text(), /cleanup failed/);
    assert.match(log.text(), /"step":"server"/);
  });

  it('runs the steps once however often stop is called, and resolves done when they have run', async () => {
    const life = new Lifecycle(logged().logger);
    let stops = 0;
    let release!: () => void;
    life.started('slow', () => new Promise<void>((r) => (release = () => (stops++, r()))));
    let done = false;
    void life.done.then(() => (done = true));
    const first = life.stop();
    const second = life.stop();
    assert.equal(life.stopping, true);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false, 'done waits for the steps');
    release();
    await Promise.all([first, second, life.stop()]);
    assert.equal(stops, 1);
    assert.equal(done, true);
  });
});
