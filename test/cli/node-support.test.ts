/**
 * The Node releases credd starts on are exactly package.json's "engines", and on any other both
 * entries (the `credd` bin and the ES-module entry the service units run) stop with one line
 * instead of a TypeError from inside a command (Node 22.2 has no process.getBuiltinModule).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { nodeSupported } from '../../src/cli/node-support.js';
import { cleanEnv, CREDD_BIN, CREDD_MODULE_BIN, ROOT, run } from '../support/cli-harness.js';

describe('which Node credd starts on', () => {
  it('agrees with package.json "engines" under npm\'s own range rules', async () => {
    const { satisfies } = createRequire(import.meta.url)('semver') as { satisfies(v: string, range: string): boolean };
    const engines = (JSON.parse(await fs.readFile(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const versions = ['18.20.4', '20.0.0', '20.16.0', '20.18.3', '20.19.0', '20.20.1', '21.7.3', '22.0.0', '22.2.0', '22.3.0', '22.11.0', '22.12.0', '22.21.1', '23.0.0', '24.11.1', '25.2.0', '26.0.0'];
    assert.deepEqual(versions.filter(nodeSupported), versions.filter((v) => satisfies(v, engines)));
    assert.deepEqual(versions.filter(nodeSupported), ['20.19.0', '20.20.1', '22.12.0', '22.21.1', '23.0.0', '24.11.1', '25.2.0', '26.0.0']);
  });

  describe('on a Node outside that range', () => {
    let dir: string;
    let fake: string;
    before(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-node-'));
      // The version is all that differs: what Node 22.2 reports, loaded before the entry runs.
      fake = path.join(dir, 'node-22.2.cjs');
      await fs.writeFile(fake, "Object.defineProperty(process.versions, 'node', { value: '22.2.0' });\n");
    });
    after(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    for (const [entry, file] of [['the credd bin (credd.cjs)', CREDD_BIN], ['the service units\' entry (credd.js)', CREDD_MODULE_BIN]] as const) {
      for (const args of [['status'], ['--version']]) {
        it(`${entry}: credd ${args.join(' ')} exits 1 naming the Node it needs`, async () => {
          const r = await run(process.execPath, ['--require', fake, file, ...args], { env: cleanEnv({ CREDD_HOME: path.join(dir, 'home') }) });
          assert.equal(r.code, 1);
          assert.equal(r.stdout, '');
          assert.equal(r.stderr, 'credd: needs Node 20.19+ (line 20) or 22.12+; this is Node 22.2.0. Install a current Node LTS.\n');
        });
      }
    }
  });
});
