// The notice file the shell hook reads: written (0600) when there is something to say,
// removed when there is not, rewritten only on change, and a failing write never throws.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { NoticeWriter } from '../../src/daemon/notice-writer.js';
import { createLogger } from '../../src/platform/logger.js';

describe('NoticeWriter', () => {
  let dir = '';
  before(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-notice-'))));
  after(() => (dir ? fs.rm(dir, { recursive: true, force: true }) : undefined));

  function logged() {
    let text = '';
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (c: Buffer, _e, done) => ((text += c.toString()), done()) }) });
    return { logger, text: () => text };
  }

  it('writes the line (0600, one newline), logs it once, and removes the file when all is well', async () => {
    const file = path.join(dir, 'notice');
    let line: string | undefined = 'MFA code needed for admin since 09:00; run: credd switch admin';
    const log = logged();
    const writer = new NoticeWriter(file, log.logger);
    await writer.start(() => line, 3_600_000);
    assert.equal(await fs.readFile(file, 'utf8'), `${line}\n`);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    await writer.update();
    assert.equal(log.text().split('\n').filter((l) => l.includes('notice for the user')).length, 1, 'an unchanged notice is not written or logged again');
    line = undefined;
    await writer.update();
    await assert.rejects(fs.stat(file), { code: 'ENOENT' });
    await writer.stop();
  });

  it('a notice that cannot be written is logged as a warning, never thrown', async () => {
    const file = path.join(dir, 'no-such-dir', 'notice');
    const log = logged();
    const writer = new NoticeWriter(file, log.logger);
    await writer.start(() => 'something to say', 3_600_000);
    assert.match(log.text(), /could not write the notice file/);
    await writer.stop();
  });

  it('stop waits for a write under way: a daemon that stops at once leaves no notice behind', async () => {
    const file = path.join(dir, 'notice-stop');
    const writer = new NoticeWriter(file, logged().logger);
    // Not awaited: the first write is still under way when stop is called.
    void writer.start(() => 'the store is locked; run: credd unlock', 3_600_000);
    await writer.stop();
    // Time for a stray write to land, had stop not waited for it (the new code never writes after stop).
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(fs.stat(file), { code: 'ENOENT' });
    assert.deepEqual((await fs.readdir(dir)).filter((f) => f.startsWith('notice-stop')), [], 'no temp file either');
    await writer.update();
    await assert.rejects(fs.stat(file), { code: 'ENOENT' }, 'nothing is written after stop');
  });
});
