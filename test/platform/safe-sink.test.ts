import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SafeSinks, type LineSink } from '../../src/platform/safe-sink.js';

/** A sink that records lines, or throws an errno error while `failWith` is set. */
function sink(): LineSink & { lines: string[]; calls: number; failWith: string | undefined } {
  const s = {
    lines: [] as string[],
    calls: 0,
    failWith: undefined as string | undefined,
    write(line: string): void {
      s.calls++;
      if (s.failWith !== undefined) throw Object.assign(new Error(`write ${s.failWith}`), { code: s.failWith });
      s.lines.push(line);
    },
  };
  return s;
}

describe('SafeSinks: a failing log sink never throws into the daemon', () => {
  it('a terminal that is gone (EIO) is dropped; the file sink keeps every line', () => {
    const terminal = sink();
    const file = sink();
    const sinks = new SafeSinks([terminal, file]);
    sinks.write('one\n');
    terminal.failWith = 'EIO';
    assert.doesNotThrow(() => sinks.write('two\n'));
    sinks.write('three\n');
    assert.deepEqual(file.lines, ['one\n', 'two\n', 'three\n']);
    assert.equal(terminal.calls, 2, 'not written to again once gone');
  });

  it('a transient failure (ENOSPC) costs that line only', () => {
    const file = sink();
    const sinks = new SafeSinks([file]);
    file.failWith = 'ENOSPC';
    assert.doesNotThrow(() => sinks.write('lost\n'));
    file.failWith = undefined;
    sinks.write('kept\n');
    assert.deepEqual(file.lines, ['kept\n']);
  });
});
