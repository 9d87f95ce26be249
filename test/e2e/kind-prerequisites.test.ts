import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startKindJourney, type KindJourney } from '../support/kind-journey.js';
import { startStsEmulator, type StsEmulator } from '../support/sts-emulator.js';

describe('prerequisites of each kind: plaintext source keys refused with "credd import", list and doctor say what is missing', () => {
  let sts: StsEmulator;
  let j: KindJourney;
  let credentialsFile: string;
  let tokenFile: string;

  before(async () => {
    sts = await startStsEmulator();
    const alice = sts.createUser({ userName: 'alice' });
    const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
    const ci = sts.createRole({ roleName: 'CI', webIdentity: { audience: 'sts.amazonaws.com' } });
    const dir = await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'credd-plain-'));
    credentialsFile = path.join(dir, 'credentials');
    tokenFile = path.join(dir, 'token');
    await fs.writeFile(credentialsFile, `[work]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`, { mode: 0o600 });
    j = await startKindJourney({
      stsUrl: sts.url,
      config: [
        `[profile admin]\nsource_profile = work\nrole_arn = ${ro.arn}\n`,
        `[profile ci]\nrole_arn = ${ci.arn}\nweb_identity_token_file = ${tokenFile}\n`,
        '[profile proc]\ncredential_process = no-such-credential-helper --json\n',
      ].join('\n'),
      daemonEnv: { AWS_SHARED_CREDENTIALS_FILE: credentialsFile },
    });
  });

  after(async () => {
    await j?.close();
    await sts?.close();
    await fs.rm(path.dirname(credentialsFile), { recursive: true, force: true });
  });

  it('a role whose source key is only in ~/.aws/credentials says to run credd import, not credd add', async () => {
    const r = await j.box.credd(['switch', 'admin']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `credd: Profile "work" has its key only in ${credentialsFile}, which credd does not read; run: credd import work\n`);
    assert.equal(sts.counts['AssumeRole'] ?? 0, 0);
  });

  it('credd list names each kind and what it lacks', async () => {
    const text = (await j.box.credd(['list'])).stdout;
    assert.match(text, /\n {2}admin +role ← work +arn:aws:iam::123456789012:role\/ReadOnly +key of work is only in .*credentials, which credd does not read \(credd import work\)/);
    assert.match(text, /\n {2}ci +web identity ← \S+token +arn:aws:iam::123456789012:role\/CI +token file \S+token is missing or unreadable/);
    assert.match(text, /\n {2}proc +credential_process +credential_process program "no-such-credential-helper" is not an executable file on PATH/);
    assert.match(text, /\n {2}work +key not imported/);
  });

  it('credd doctor warns per profile with the fix; once the token exists and the key is imported, only the helper is left', async () => {
    const before = (await j.box.credd(['doctor'])).stdout;
    assert.match(before, /! profile admin: key of work is only in \S+, which credd does not read\n {4}fix: credd import work\n/);
    assert.match(before, /! profile ci: token file \S+ is missing or unreadable\n {4}fix: have the token issuer write /);
    assert.match(before, /! profile proc: credential_process program "no-such-credential-helper" is not an executable file on PATH\n/);
    assert.match(before, /! profile work: key of work is only in /);

    await fs.writeFile(tokenFile, sts.issueWebIdentityToken({ subject: 'me', audience: 'sts.amazonaws.com' }).token);
    const imported = await j.box.credd(['import', 'work']);
    assert.equal(imported.code, 0, imported.stderr);
    const after = (await j.box.credd(['doctor'])).stdout;
    assert.doesNotMatch(after, /profile (admin|work|ci):/);
    assert.match(after, /! profile proc: /);

    const sw = await j.box.credd(['switch', 'admin']);
    assert.equal(sw.code, 0, sw.stderr);
    assert.equal(sts.counts['AssumeRole'], 1);
  });
});
