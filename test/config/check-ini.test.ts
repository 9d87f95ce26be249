import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadAwsConfig } from '../../src/config/aws-config.js';
import { ConfigError } from '../../src/domain/errors.js';

async function load(text: string): Promise<{ file: string; result: Awaited<ReturnType<typeof loadAwsConfig>> | ConfigError }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-ini-'));
  const file = path.join(dir, 'config');
  await fs.writeFile(file, text);
  try {
    return { file, result: await loadAwsConfig(file) };
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return { file, result: err };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe('strict reading of ~/.aws/config', () => {
  it('refuses a header without "]" (the lines below would land in the profile above), naming file and line', async () => {
    const { file, result } = await load('[profile dev]\nsource_profile = base\nrole_arn = arn:aws:iam::123456789012:role/Dev\n[profile broken\nrole_arn = arn:aws:iam::123456789012:role/Admin\n');
    assert.ok(result instanceof ConfigError);
    assert.equal(result.message, `${file} line 4: "[profile broken" is not a section header (expected [profile NAME] with its closing "]"); credd reads nothing from this file until it is fixed.`);
  });

  it('refuses a line that is not key = value, a key before any section, a profile or key defined twice', async () => {
    const cases: Array<[string, RegExp]> = [
      ['[profile a]\nregion eu-west-1\n', /line 2: "region eu-west-1" is not "key = value"/],
      ['region = eu-west-1\n[profile a]\n', /line 1: "region = eu-west-1" comes before any \[profile NAME\] section/],
      ['[profile a]\nregion = eu-west-1\n\n[profile  a]\nregion = us-east-1\n', /line 4: \[profile a\] is defined twice \(first on line 1\)/],
      ['[profile a]\nrole_arn = x\nrole_arn = y\n', /line 3: role_arn is set twice in the same section \(first on line 2\)/],
    ];
    for (const [text, want] of cases) {
      const { result } = await load(text);
      assert.ok(result instanceof ConfigError, text);
      assert.match(result.message, want);
    }
  });

  it('accepts what the AWS CLI accepts: comments, blank lines, nested values, sso-session and services sections', async () => {
    const { result } = await load(
      '# top\n; also a comment\n[default]\nregion = eu-west-1\ns3 =\n  addressing_style = path\n\n[profile a] # trailing\nsource_profile = default\n[sso-session corp]\nsso_region = eu-west-1\n[services local]\nsts =\n  endpoint_url = http://127.0.0.1:1\n',
    );
    assert.ok(!(result instanceof ConfigError), result instanceof ConfigError ? result.message : '');
    assert.equal(result.profiles.get('a')?.['source_profile'], 'default');
    assert.ok(result.ssoSessions.has('corp'));
  });
});
