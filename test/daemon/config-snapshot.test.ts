/**
 * The daemon's one copy of the AWS config: a cached credential request reads no file (counted
 * through the snapshot's and the policy reader's file ports, with the real broker, session
 * gate and STS emulator behind them), and what the files say is still what gets served once
 * the snapshot has looked again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CredentialBroker } from '../../src/broker/credential-broker.js';
import { loadAwsConfig } from '../../src/config/aws-config.js';
import { ConfigSnapshot, type SnapshotFiles } from '../../src/config/config-snapshot.js';
import { ScopeRegistry } from '../../src/daemon/scope-registry.js';
import { ScopedProfiles, type ReadPolicyFile } from '../../src/daemon/scoped-profiles.js';
import { SessionGate } from '../../src/daemon/session-gate.js';
import { encodeKey, keyItem } from '../../src/domain/stored-key.js';
import { MemoryStore } from '../../src/keychain/memory-store.js';
import { silentLogger } from '../../src/platform/logger.js';
import { SdkStsGateway } from '../../src/aws/sdk-sts-gateway.js';
import { ManualClock } from '../support/manual-clock.js';
import { withStsEmulator } from '../support/with-sts-emulator.js';

describe('config snapshot: cached requests read no file', () => {
  const rig = withStsEmulator('credd-snapshot-');

  let worlds = 0;
  async function world() {
    const n = ++worlds;
    const alice = rig.sts.createUser({ userName: `alice${n}` });
    const dev = rig.sts.createRole({ roleName: `Dev${n}`, trustedPrincipals: [alice.arn] });
    const admin = rig.sts.createRole({ roleName: `Admin${n}`, trustedPrincipals: [alice.arn] });
    const configFile = path.join(rig.dir, `config${n}`);
    const policyFile = path.join(rig.dir, `policy${n}.json`);
    await fs.writeFile(policyFile, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }));
    const config = (arn: string): string => `[profile dev]\nsource_profile = base\nrole_arn = ${arn}\ncredd_policy_file = ${policyFile}\n`;
    await fs.writeFile(configFile, config(dev.arn));
    const clock = new ManualClock(rig.sts.now());
    const calls = { stat: 0, load: 0, policy: 0 };
    const files: SnapshotFiles = {
      async stamp(file) {
        calls.stat++;
        const st = await fs.stat(file, { bigint: true }).catch(() => undefined);
        return st === undefined ? 'none' : `${st.ino}:${st.size}:${st.mtimeNs}`;
      },
      async load(file) {
        calls.load++;
        return loadAwsConfig(file);
      },
    };
    const readPolicy: ReadPolicyFile = async (file) => {
      calls.policy++;
      return { text: await fs.readFile(file, 'utf8') };
    };
    const snapshot = new ConfigSnapshot({ configFile, files, now: () => clock.now() });
    const env = { AWS_ENDPOINT_URL_STS: rig.sts.url, AWS_REGION: 'us-east-1' };
    const profiles = new ScopedProfiles(snapshot, env, new ScopeRegistry(), 'credd-test', readPolicy);
    const broker = new CredentialBroker({
      loadProfile: (name) => profiles.load(name),
      configGeneration: (fresh) => profiles.generation(fresh),
      store: new MemoryStore([[keyItem('base'), encodeKey({ accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey })]]),
      sts: new SdkStsGateway({ requestTimeoutMs: 2_000 }),
      clock,
      logger: silentLogger(),
      roleSessionName: 'credd-test',
    });
    const gate = new SessionGate(broker, snapshot);
    const reset = (): void => {
      calls.stat = calls.load = calls.policy = 0;
    };
    return { clock, calls, reset, gate, broker, configFile, config, dev, admin };
  }

  it('a thousand cached requests within a second do no file system work; the next second costs one stat per file', async () => {
    const w = await world();
    await w.broker.switchTo('dev');
    const first = await w.gate.serve();
    assert.ok(first.ok);
    w.reset();
    for (let i = 0; i < 1000; i++) {
      const r = await w.gate.serve();
      assert.ok(r.ok && r.creds.accessKeyId === first.creds.accessKeyId);
    }
    assert.deepEqual(w.calls, { stat: 0, load: 0, policy: 0 });
    await w.clock.advance(1_000);
    for (let i = 0; i < 100; i++) assert.ok((await w.gate.serve()).ok);
    // The config file and the policy file it names: looked at, unchanged, so nothing read or parsed.
    assert.deepEqual(w.calls, { stat: 2, load: 0, policy: 0 });
    w.broker.close();
  });

  it('an edit is served once the snapshot has looked again, never the old role\'s credentials', async () => {
    const w = await world();
    await w.broker.switchTo('dev');
    const before = await w.gate.serve();
    assert.ok(before.ok);
    assert.match(before.creds.assumedRoleArn ?? '', /assumed-role\/Dev/);
    await fs.writeFile(w.configFile, w.config(w.admin.arn));
    await w.clock.advance(1_000);
    const after = await w.gate.serve();
    assert.ok(after.ok, after.ok ? '' : after.error.message);
    assert.match(after.creds.assumedRoleArn ?? '', /assumed-role\/Admin/);
    w.broker.close();
  });

  it('a role added a moment ago is served at once (a profile missing from the snapshot forces a look)', async () => {
    const w = await world();
    await w.broker.switchTo('dev');
    assert.ok((await w.gate.serve()).ok);
    await fs.appendFile(w.configFile, `\n[profile admin]\nsource_profile = base\nrole_arn = ${w.admin.arn}\n`);
    const added = await w.gate.serve('admin');
    assert.ok(added.ok, added.ok ? '' : added.error.message);
    assert.match(added.creds.assumedRoleArn ?? '', /assumed-role\/Admin/);
    w.broker.close();
  });

  it('a broken config fails every request until it is fixed, without re-reading it per request', async () => {
    const w = await world();
    await w.broker.switchTo('dev');
    assert.ok((await w.gate.serve()).ok);
    await fs.appendFile(w.configFile, '[profile broken\n');
    await w.clock.advance(1_000);
    w.reset();
    for (let i = 0; i < 3; i++) {
      const r = await w.gate.serve();
      assert.ok(!r.ok);
      assert.match(r.error.message, /is not a section header/);
    }
    assert.equal(w.calls.load, 1);
    await fs.writeFile(w.configFile, w.config(w.dev.arn));
    await w.clock.advance(1_000);
    assert.ok((await w.gate.serve()).ok);
    w.broker.close();
  });
});
