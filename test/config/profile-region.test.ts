import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { AwsConfig } from '../../src/config/aws-config.js';
import { activeRegionFile, loadActiveRegion, profileRegion, regionVariables, saveActiveRegion } from '../../src/config/profile-region.js';

const config = (profiles: Record<string, Record<string, string>>): AwsConfig => ({
  file: '/x/config',
  profiles: new Map(Object.entries(profiles)),
  services: new Map(),
  ssoSessions: new Map(),
});

describe('profileRegion', () => {
  const c = config({
    base: { region: 'eu-west-1' },
    readonly: { source_profile: 'base', role_arn: 'arn:aws:iam::123456789012:role/R' },
    deploy: { source_profile: 'readonly', role_arn: 'arn:aws:iam::123456789012:role/D', region: 'us-west-2' },
    chained: { source_profile: 'readonly', role_arn: 'arn:aws:iam::123456789012:role/C' },
    loose: { source_profile: 'nobody', role_arn: 'arn:aws:iam::123456789012:role/L' },
    cycle: { source_profile: 'cycle2' },
    cycle2: { source_profile: 'cycle' },
  });

  it("takes the profile's own region, else the nearest one up the chain", () => {
    assert.equal(profileRegion(c, 'deploy', {}), 'us-west-2');
    assert.equal(profileRegion(c, 'readonly', {}), 'eu-west-1');
    assert.equal(profileRegion(c, 'chained', { AWS_REGION: 'ap-south-1' }), 'eu-west-1');
  });

  it("falls back to the user's AWS_REGION, then AWS_DEFAULT_REGION, else none (never an invented one)", () => {
    assert.equal(profileRegion(c, 'loose', { AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'us-east-2' }), 'ap-south-1');
    assert.equal(profileRegion(c, 'loose', { AWS_DEFAULT_REGION: 'us-east-2' }), 'us-east-2');
    assert.equal(profileRegion(c, 'loose', {}), undefined);
    assert.equal(profileRegion(c, 'cycle', {}), undefined, 'a source cycle ends');
    assert.deepEqual(regionVariables(undefined), {});
    assert.deepEqual(regionVariables('eu-west-1'), { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' });
  });
});

describe('the active region file (read by shell code at every prompt)', () => {
  it('holds a well-formed region name or nothing, whatever it is handed', async () => {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-region-'));
    try {
      for (const [given, stored] of [['eu-west-1', 'eu-west-1\n'], ['us-east-1\nrm -rf ~', ''], ['$(id)', ''], ['us-gov-west-1', 'us-gov-west-1\n'], [undefined, '']] as const) {
        await saveActiveRegion(home, given);
        assert.equal(await fs.readFile(activeRegionFile(home), 'utf8'), stored, JSON.stringify(given));
        assert.equal(await loadActiveRegion(home), stored === '' ? undefined : stored.trim());
      }
    } finally {
      await fs.rm(home, { recursive: true, force: true });
    }
  });
});
