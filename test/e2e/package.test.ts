/**
 * Installable from a clean checkout: `npm pack` in a copy of the source tree (no dist/; its
 * node_modules are those `npm ci` installed for the tests) gives a complete package (built dist,
 * LICENSE, not private), and `npm install -g` of that tarball into a temporary prefix gives a
 * working `credd` — with no engine warning on the way.
 * Packages come from npm's cache (--offline): the test itself never reaches the registry;
 * .ci/run resolves the dependency ranges once beforehand, so a fresh machine's cache has them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanEnv, ROOT, run } from '../support/cli-harness.js';

describe('npm ci && npm pack, then npm install -g of the tarball', { timeout: 900_000 }, () => {
  let dir: string;
  let checkout: string;
  const env = cleanEnv({ npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' });

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-pack-'));
    checkout = path.join(dir, 'checkout');
    // The source tree as git has it (tracked and new files), without dist/ or node_modules/.
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((f) => f !== '');
    for (const f of files) {
      const stat = await fs.stat(path.join(ROOT, f)).catch(() => undefined);
      if (!stat?.isFile()) continue;
      await fs.mkdir(path.dirname(path.join(checkout, f)), { recursive: true });
      await fs.copyFile(path.join(ROOT, f), path.join(checkout, f));
    }
  });

  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('npm ci meets no package that needs a newer Node than this one (no EBADENGINE warning)', async () => {
    // npm's own range semantics (semver is in the tree through npm's toolchain deps).
    const { satisfies } = createRequire(import.meta.url)('semver') as { satisfies(v: string, range: string): boolean };
    const lock = JSON.parse(await fs.readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string }; dev?: boolean }> };
    const needNewer = Object.entries(lock.packages).filter(([, p]) => p.engines?.node !== undefined && !satisfies(process.versions.node, p.engines.node)).map(([name, p]) => `${name} (${p.engines?.node ?? ''})`);
    assert.deepEqual(needNewer, []);
  });

  it('packs dist/, LICENSE and a public package.json, and installs a working credd', { timeout: 900_000 }, async () => {
    // `npm ci` itself is what .ci/run does before every test; here the checkout shares its result.
    await fs.symlink(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
    await assert.rejects(fs.access(path.join(checkout, 'dist')), 'the copy starts without dist/');
    const pack = await run('npm', ['pack', '--json'], { env, cwd: checkout, timeoutMs: 300_000 });
    assert.equal(pack.code, 0, pack.stderr);
    const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    assert.ok(info);
    const files = new Set(info.files.map((f) => f.path));
    for (const want of ['dist/bin/credd.cjs', 'dist/bin/credd.js', 'LICENSE', 'README.md', 'package.json', 'dist/cli/main.js', 'launchd/credd.plist.template']) assert.ok(files.has(want), `${want} is in the tarball`);
    assert.ok(![...files].some((f) => f.startsWith('src/') || f.startsWith('test/')), 'no sources or tests');
    const tgz = path.join(checkout, info.filename);
    const manifest = JSON.parse(execFileSync('tar', ['-xOzf', tgz, 'package/package.json'], { encoding: 'utf8' })) as { private?: boolean; license?: string };
    assert.equal(manifest.private, undefined);
    assert.equal(manifest.license, 'MIT');
    assert.match(execFileSync('tar', ['-xOzf', tgz, 'package/LICENSE'], { encoding: 'utf8' }), /^MIT License\n\nCopyright \(c\) \d{4} credd contributors\n/);

    const prefix = path.join(dir, 'prefix');
    const install = await run('npm', ['install', '-g', '--prefix', prefix, '--offline', tgz], { env, cwd: dir, timeoutMs: 600_000 });
    // This install resolves each dependency's range, which `npm ci` never does: .ci/run puts those answers in npm's cache.
    const uncached = /ENOTCACHED/.test(install.stderr) ? "npm's cache lacks what the tarball's dependency ranges resolve to (.ci/run puts it there): " : '';
    assert.equal(install.code, 0, uncached + install.stderr);
    assert.doesNotMatch(install.stderr, /EBADENGINE/);
    const version = await run(path.join(prefix, 'bin', 'credd'), ['--version'], { env, cwd: dir });
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout, `${(JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}\n`);
    // `status` runs from the bundled entry alone (--version went through it to the full CLI).
    const status = await run(path.join(prefix, 'bin', 'credd'), ['status'], { env: { ...env, CREDD_HOME: path.join(dir, 'credd-home') }, cwd: dir });
    assert.equal(status.code, 3, status.stderr);
    assert.match(status.stdout, /^The credd daemon is not running \(nothing answers on .*control\.sock\); start it with: credd daemon --detach/);
  });
});
