import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ScopeLeaseFile } from '../../src/daemon/scope-lease-file.js';
import { ScopeRegistry } from '../../src/daemon/scope-registry.js';

const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

describe('the exec lease file: what a restarted daemon takes back, and what it refuses', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-leases-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** A daemon's registry wired to its file, as run-daemon wires it. */
  function daemon(file: string): { registry: ScopeRegistry; leases: ScopeLeaseFile; warnings: string[] } {
    const warnings: string[] = [];
    const leases: ScopeLeaseFile = new ScopeLeaseFile(file, () => registry.snapshot(), (m) => warnings.push(m));
    const registry: ScopeRegistry = new ScopeRegistry(() => leases.changed());
    return { registry, leases, warnings };
  }

  it('live leases come back with the same scope id; ended ones and those of gone holders do not', async () => {
    const file = path.join(dir, 'a.json');
    const first = daemon(file);
    const entry = first.registry.scopeFor('dev', { policyArns: [READ_ONLY], as: 'agent', program: 'claude' });
    const kept = first.registry.open(entry, process.pid, 1);
    const released = first.registry.open(entry, process.pid, 2);
    const orphan = first.registry.open(entry, 999_999_999, 3);
    first.registry.release(released.id);
    await first.leases.settled();
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);

    const second = daemon(file);
    const restored = second.registry.restore(await second.leases.load(), (pid) => pid === process.pid);
    assert.equal(restored, 1);
    assert.deepEqual(second.registry.lease(kept.id), kept);
    assert.equal(second.registry.lease(released.id), undefined);
    assert.equal(second.registry.lease(orphan.id), undefined);
    assert.deepEqual(second.registry.scope(entry.id)?.request, entry.request);
  });

  it('a tampered, damaged or symlinked file gives nothing back and never throws', async () => {
    const file = path.join(dir, 'b.json');
    const d = daemon(file);
    const entry = d.registry.scopeFor('dev', { policyArns: [READ_ONLY] });
    const lease = d.registry.open(entry, process.pid, 1);
    await d.leases.settled();
    const saved = JSON.parse(await fs.readFile(file, 'utf8')) as { scopes: Array<{ request: { policyArns: string[] } }> };
    const restore = async (text: string): Promise<number> => {
      await fs.writeFile(file, text);
      const next = daemon(file);
      return next.registry.restore(await next.leases.load(), () => true);
    };
    // The same scope id with a wider request: the id no longer matches, so the lease is dropped.
    const widened = structuredClone(saved);
    if (widened.scopes[0]) widened.scopes[0].request.policyArns = ['arn:aws:iam::aws:policy/AdministratorAccess'];
    assert.equal(await restore(JSON.stringify(widened)), 0);
    const tooMany = structuredClone(saved);
    if (tooMany.scopes[0]) tooMany.scopes[0].request.policyArns = Array.from({ length: 11 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`);
    assert.equal(await restore(JSON.stringify(tooMany)), 0);
    for (const garbage of ['{"scopes": [', 'null', '[]', JSON.stringify({ scopes: 'x', leases: [{ id: lease.id }] })]) assert.equal(await restore(garbage), 0);
    assert.equal(await restore(JSON.stringify(saved)), 1, 'the untouched file still restores');

    const link = path.join(dir, 'link.json');
    await fs.symlink(file, link);
    const viaLink = daemon(link);
    assert.deepEqual(await viaLink.leases.load(), { scopes: [], leases: [] });
    assert.match(viaLink.warnings.join('\n'), /cannot be read/);
  });
});
