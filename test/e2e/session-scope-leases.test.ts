import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startDaemonProcess } from '../support/daemon-process.js';
import { freePort } from '../support/free-port.js';
import { httpGet } from '../support/journey-helpers.js';
import { READ_ONLY, S3_READ, scopeWorld, type ScopeWorld } from '../support/scope-harness.js';

/** Polls the child's URL until it answers `status` (the daemon ends leases on its own tick). */
async function untilStatus(url: string, token: string, status: number): Promise<{ status: number; body: string }> {
  let last = { status: 0, body: '' };
  for (let i = 0; i < 300; i++) {
    last = await httpGet(url, token);
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

describe('exec leases: they live as long as the exec, across a daemon restart, and no longer', () => {
  let w: ScopeWorld;
  before(async () => {
    // A port no listen(0) elsewhere can take while the daemon is down between restarts.
    w = await scopeWorld(['--port', String(await freePort())]);
  });
  after(async () => {
    // The world closes the daemon it started; the ones started here on restart are stopped here.
    await w?.daemon.stop();
    await w?.close();
  });

  it('a daemon restart while the child runs: its URL and token keep serving the same scope; after the child ends they do not', async () => {
    const run = await w.startExec(['dev', '--policy-arn', READ_ONLY]);
    let finished = false;
    try {
      assert.equal((await httpGet(run.url, run.token)).status, 200);
      const port = w.daemon.port;
      await w.daemon.stop();
      w.daemon = await startDaemonProcess(w.box.env, ['--port', String(port)]);
      // The new daemon fetches the scoped slot afresh: it may first say "still fetching" (429).
      const served = await untilStatus(run.url, run.token, 200);
      assert.equal(served.status, 200, served.body);
    // The restarted daemon assumed the role afresh, with the exec's scope.
    const key = (JSON.parse(served.body) as { AccessKeyId: string }).AccessKeyId;
      assert.deepEqual(w.sts.sessionParams(key)?.policyArns, [READ_ONLY]);
      finished = true;
      assert.equal((await run.finish()).code, 0);
      const ended = await httpGet(run.url, run.token);
      assert.equal(ended.status, 403);
      assert.match(ended.body, /LeaseEnded/);
      // An ended lease stays ended through the next restart.
      await w.daemon.stop();
      w.daemon = await startDaemonProcess(w.box.env, ['--port', String(port)]);
      assert.equal((await httpGet(run.url, run.token)).status, 403);
    } finally {
      if (!finished) await run.finish();
    }
  });

  it('the command killed with SIGKILL: credd exec exits 137 and the lease ends at once', async () => {
    const run = await w.startExec(['dev', '--policy-arn', S3_READ]);
    const pid = run.cli.pid ?? 0;
    const children = (await fs.readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).map(Number);
    assert.equal(children.length, 1);
    process.kill(children[0] ?? 0, 'SIGKILL');
    assert.equal((await run.finish()).code, 137);
    assert.equal((await httpGet(run.url, run.token)).status, 403);
  });

  it('credd exec itself killed with SIGKILL: the daemon ends the lease within seconds, though the command still runs', async () => {
    const run = await w.startExec(['dev', '--policy-arn', S3_READ]);
    run.cli.kill('SIGKILL');
    const ended = await untilStatus(run.url, run.token, 403);
    assert.equal(ended.status, 403, ended.body);
    assert.match(ended.body, /LeaseEnded/);
    // Let the orphaned command read its line and exit.
    await run.finish();
  });
});
