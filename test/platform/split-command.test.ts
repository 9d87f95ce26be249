import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { splitCommand } from '../../src/platform/split-command.js';

/** What the AWS CLI (botocore's compat_shell_split → Python's shlex.split) makes of each line. */
function shlex(lines: string[]): Array<string[] | 'error'> {
  const script = 'import json,shlex,sys\nout=[]\nfor l in json.load(sys.stdin):\n  try: out.append(shlex.split(l))\n  except ValueError: out.append("error")\nprint(json.dumps(out))';
  return JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(lines) }).toString()) as Array<string[] | 'error'>;
}

describe('splitCommand: credential_process lines split exactly as the AWS CLI splits them', () => {
  it('agrees with Python shlex.split on quoting, escapes, metacharacters and errors', () => {
    const lines = [
      'op read op://vault/aws --format json',
      '"/Applications/My Helper.app/bin/helper" --profile \'work account\'',
      'helper a\\ b "c\\"d" \'e\\f\' "g\\h" "i\\\\j"',
      'helper $HOME `id` $(id) ; rm -rf / && echo | cat > out #comment',
      '  leading\tand\ttabs  ',
      'x""y \'\' ""',
      'unterminated "quote',
      "unterminated 'single",
      'ends with backslash\\',
      'naïve ünïcode "€ sign"',
    ];
    const expected = shlex(lines);
    lines.forEach((line, i) => {
      const ours = splitCommand(line);
      const theirs = expected[i];
      if (theirs === 'error') assert.ok(!Array.isArray(ours), `${line}: shlex refuses it`);
      else if (theirs?.length === 0) assert.ok(!Array.isArray(ours), `${line}: nothing to run`);
      else assert.deepEqual(ours, theirs, line);
    });
  });

  it('says why a line cannot be split', () => {
    assert.deepEqual(splitCommand('a "b'), { problem: 'a double quote is not closed' });
    assert.deepEqual(splitCommand("a 'b"), { problem: 'a single quote is not closed' });
    assert.deepEqual(splitCommand('a\\'), { problem: 'it ends with a lone backslash' });
    assert.deepEqual(splitCommand('   '), { problem: 'it is empty' });
  });
});
