// The daemon's stderr sink when the reader is slow (journald, `| tee`, a test harness): the
// pipe fills (EAGAIN), lines wait in order and go out as it drains; past a cap they are
// counted, and nothing ever throws into the daemon.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { FdSink } from '../../src/platform/fd-sink.js';

const errno = (code: string) => Object.assign(new Error(`write ${code}`), { code });

/** A descriptor played in memory: full (EAGAIN) until opened, then takes up to `chunk` bytes per write. */
function pipe(chunk = Infinity) {
  const p = {
    out: '',
    writes: 0,
    fail: 'EAGAIN' as string | undefined,
    writeSync(_fd: number, data: Uint8Array): number {
      p.writes++;
      if (p.fail !== undefined) throw errno(p.fail);
      const n = Math.min(chunk, data.length);
      p.out += Buffer.from(data.subarray(0, n)).toString();
      return n;
    },
  };
  return p;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await sleep(2);
}

describe('FdSink: stderr that is a slow pipe', () => {
  it('a full pipe delays lines; once it drains they all arrive, in order', async () => {
    const p = pipe();
    const sink = new FdSink(2, { writeSync: p.writeSync, retryMs: 1 });
    for (let i = 0; i < 5; i++) sink.write(`line ${i}\n`);
    assert.equal(p.out, '');
    assert.equal(sink.queuedBytes, 35);
    p.fail = undefined;
    await until(() => sink.queuedBytes === 0);
    assert.equal(p.out, 'line 0\nline 1\nline 2\nline 3\nline 4\n');
  });

  it('a partial write sends the rest of the line next, never a line twice', async () => {
    const p = pipe(4);
    p.fail = undefined;
    const sink = new FdSink(2, { writeSync: p.writeSync, retryMs: 1 });
    sink.write('{"msg":"first"}\n');
    sink.write('{"msg":"second"}\n');
    await until(() => sink.queuedBytes === 0);
    assert.equal(p.out, '{"msg":"first"}\n{"msg":"second"}\n');
  });

  it('past the cap new lines are dropped and counted; the count follows the backlog out', async () => {
    const p = pipe();
    const sink = new FdSink(2, { writeSync: p.writeSync, retryMs: 1, maxQueuedBytes: 40 });
    for (let i = 0; i < 10; i++) sink.write(`line ${i}\n`);
    assert.equal(sink.queuedBytes, 35, 'five 7-byte lines fit under the 40-byte cap');
    p.fail = undefined;
    await until(() => sink.queuedBytes === 0);
    const lines = p.out.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 5), ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    const notice = JSON.parse(lines[5] ?? '') as { level: number; msg: string };
    assert.equal(notice.level, 40);
    assert.match(notice.msg, /^5 log lines not written here: whoever reads this output fell more than 0 KiB behind$/);
    sink.write('line 10\n');
    assert.equal(p.out.split('\n').at(-2), 'line 10', 'lines flow again after the notice');
  });

  it('a terminal that is gone (EIO) is left alone from then on; neither a write nor the retry throws', async () => {
    const p = pipe();
    const sink = new FdSink(2, { writeSync: p.writeSync, retryMs: 1 });
    sink.write('queued\n');
    p.fail = 'EIO';
    await until(() => sink.queuedBytes === 0);
    const writes = p.writes;
    assert.doesNotThrow(() => sink.write('after\n'));
    await sleep(10);
    assert.equal(p.writes, writes, 'never written to again');
    assert.equal(p.out, '');
  });

  it('a reader that stays away is asked less and less often (at most once a second), not every few ms', async () => {
    const p = pipe();
    const sink = new FdSink(2, { writeSync: p.writeSync, retryMs: 1 });
    sink.write('waiting\n');
    await sleep(400);
    // Retries 1, 2, 4, … 256 ms apart: about nine in 400 ms, where a fixed 1 ms would be hundreds.
    assert.ok(p.writes <= 12, `${p.writes} tries in 400 ms`);
    p.fail = undefined;
    await until(() => sink.queuedBytes === 0);
    assert.equal(p.out, 'waiting\n');
  });

  it('another failure (ENOSPC) costs the line it hit; the next goes out', () => {
    const p = pipe();
    const sink = new FdSink(2, { writeSync: p.writeSync });
    p.fail = 'ENOSPC';
    sink.write('lost\n');
    p.fail = undefined;
    sink.write('kept\n');
    assert.equal(p.out, 'kept\n');
  });

  it('a real process logging 3000 lines while nobody reads its stderr is not held up, and every line arrives in order', { timeout: 120_000 }, async () => {
    // Plain node on the built logger, as users run credd: nothing else has touched stderr.
    const fixture = fileURLToPath(new URL('./fixtures/log-burst.mjs', import.meta.url));
    const child = spawn(process.execPath, [fixture, '3000'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    child.stderr.pause();
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    try {
      // "done" comes while its stderr (3000 lines, far more than a 64 KiB pipe holds) is unread.
      for (const deadline = Date.now() + 60_000; !stdout.includes('done'); await sleep(20)) {
        assert.equal(child.exitCode, null, `the process ended before it said "done" (exit code ${child.exitCode})`);
        assert.ok(Date.now() < deadline, 'the process did not finish logging while nobody read its stderr: it is blocked writing to it');
      }
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stderr.resume();
      const lines = () => stderr.split('\n').filter((l) => l.startsWith('{'));
      for (const deadline = Date.now() + 60_000; lines().length < 3000 && Date.now() < deadline; ) await sleep(20);
      const numbers = lines().map((l) => (JSON.parse(l) as { n: number }).n);
      assert.equal(numbers.length, 3000, `${numbers.length} of 3000 lines arrived`);
      assert.deepEqual(numbers, Array.from({ length: 3000 }, (_, i) => i));
    } finally {
      child.stdin.end();
      child.kill();
      await exited;
    }
  });
});
