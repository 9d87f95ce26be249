// test/run-files.sh keeps its closing summary when the outer timeout stops a run: the skipped
// tests with their reasons, the tests still running, and the count line last. A todo test
// counts as failed in the summary and in the exit status.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { run, type RunResult } from './shared/run-process.js';

const FIXTURE = 'test/support/fixtures/never-ends.ts';

/** This process's environment without the test runner's own variables: each node --test started here is a run of its own, not a child of this one. */
function ownRunEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('NODE_TEST') && k !== 'CREDD_TEST_PROGRESS')) as Record<string, string>;
}

/**
 * Runs the fixture under a short outer timeout. The timeout must outlast node's start-up, which
 * on a loaded machine can take many seconds: until the fixture says its last test had begun
 * before the stop (and the runner had heard of it), the run is repeated with twice the time.
 */
async function stoppedRun(dir: string): Promise<{ r: RunResult; seconds: number }> {
  const started = path.join(dir, 'started');
  const env = ownRunEnv();
  for (let seconds = 10; ; seconds *= 2) {
    await fs.rm(started, { force: true });
    const r = await run('bash', ['test/run-files.sh', FIXTURE], { env: { ...env, CREDD_TEST_RUN_TIMEOUT: String(seconds), CREDD_FIXTURE_STARTED: started }, timeoutMs: (seconds + 60) * 1000 });
    const began = await fs.access(started).then(() => true, () => false);
    if ((began && r.stdout.includes(`${FIXTURE}: never ends`)) || seconds >= 160) return { r, seconds };
  }
}

describe('test/run-files.sh stopped by its outer timeout', () => {
  it('still prints the skipped tests, the tests still running and the count line last', { timeout: 600_000 }, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-run-files-'));
    try {
      const { r, seconds } = await stoppedRun(dir);
      assert.equal(r.code, 124, `exit status of a run stopped by the timeout\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, new RegExp(`the run took longer than ${seconds} s and was stopped`));
      const summary = r.stdout.slice(r.stdout.lastIndexOf('\nskipped tests: '));
      assert.equal(
        summary,
        [
          '',
          'skipped tests: 1',
          `  - ${FIXTURE}: is skipped — a reason the summary must show`,
          'still running when the run was stopped (counted as failed): 1',
          `  - ${FIXTURE}: never ends`,
          'tests: 1 passed, 1 failed, 1 skipped',
          '',
        ].join('\n'),
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('test/run-files.sh and todo tests', () => {
  it('a failing todo test fails the run (node:test alone exits 0)', { timeout: 300_000 }, async () => {
    const env = ownRunEnv();
    const fixture = 'test/support/fixtures/todo-fails.ts';
    const r = await run('bash', ['test/run-files.sh', fixture], { env, timeoutMs: 240_000 });
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`todo tests \\(counted as failed\\): 1\n  - ${fixture}: is a todo that fails — a todo creeping into the suite\ntests: 1 passed, 1 failed, 0 skipped\n$`));
    assert.match(r.stderr, /node's test runner exited 0, but the summary counts 1 failed tests/);
  });
});
