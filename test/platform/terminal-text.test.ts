import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { terminalStream } from '../../src/platform/terminal-stream.js';
import { terminalText } from '../../src/platform/terminal-text.js';

// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const DANGEROUS = [...Array.from({ length: 0x20 }, (_, i) => i), 0x7f, ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i), 0x61c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];

describe('terminalText', () => {
  it('shows every dangerous character as a visible \\uXXXX; other text, emoji and accents pass', () => {
    for (const code of DANGEROUS) assert.equal(terminalText(`a${String.fromCharCode(code)}b`), `a\\u${code.toString(16).padStart(4, '0')}b`);
    assert.equal(terminalText('ünïcode ✓ 🔑 日本 \u200d'), 'ünïcode ✓ 🔑 日本 \u200d');
    assert.equal(terminalText('one\ntwo', 'lines'), 'one\ntwo');
    assert.equal(terminalText('one\ntwo'), 'one\\u000atwo');
  });

  it('JSON passed through the boundary parses to exactly the original values', () => {
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 500; n++) {
      const value = Array.from({ length: 1 + (next() % 40) }, () => (next() % 3 === 0 ? String.fromCharCode(DANGEROUS[next() % DANGEROUS.length] ?? 0) : next() % 5 === 0 ? '\\' : String.fromCharCode(0x20 + (next() % 0x5f)))).join('');
      const json = terminalText(`${JSON.stringify({ [value]: [value] })}\n`, 'lines');
      assert.doesNotMatch(json, RAW);
      assert.deepEqual(JSON.parse(json), { [value]: [value] });
    }
  });

  it('terminalStream: what a command writes reaches the terminal escaped, in order, with its isTTY', async () => {
    const target = Object.assign(new PassThrough(), { isTTY: true });
    const out = terminalStream(target);
    let seen = '';
    target.on('data', (d: Buffer) => (seen += d.toString()));
    out.write('\u001b]52;c;eA==\u0007 first\n');
    out.write(Buffer.from('second \u009b2J\n'));
    await new Promise((r) => setImmediate(r));
    assert.equal(seen, '\\u001b]52;c;eA==\\u0007 first\nsecond \\u009b2J\n');
    assert.equal(out.isTTY, true);
  });
});
