import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpGet } from '../support/journey-helpers.js';
import { startKindJourney, waitUntil, type KindJourney } from '../support/kind-journey.js';
import { startStsEmulator, type StsEmulator } from '../support/sts-emulator.js';

const AUDIENCE = 'sts.amazonaws.com';
const SUBJECT = 'repo:acme/app:ref:refs/heads/main';

describe('web identity profile: AssumeRoleWithWebIdentity with a token file read at every refresh', () => {
  let sts: StsEmulator;
  let j: KindJourney;
  let tokenFile: string;
  const webCalls = (): number => sts.counts['AssumeRoleWithWebIdentity'] ?? 0;
  /** Writes the file the way token issuers do: a new file renamed over the old one. */
  const written: string[] = [];
  const writeToken = async (token: string): Promise<void> => {
    written.push(token);
    await fs.writeFile(`${tokenFile}.new`, token);
    await fs.rename(`${tokenFile}.new`, tokenFile);
  };
  const switchCi = () => j.box.credd(['switch', 'ci']);
  /** A profile's credentials as an SDK client asks for them, asking again while the daemon says "try again" (429: its fetch still runs). */
  const askAsClient = async (profile: string): Promise<{ status: number; body: string }> => {
    const v = await j.vars();
    for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 100))) {
      const r = await httpGet(`${v['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? ''}/${profile}`, v['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? '');
      if (r.status !== 429 || Date.now() > deadline) return r;
    }
  };

  before(async () => {
    sts = await startStsEmulator();
    const role = sts.createRole({ roleName: 'CI', webIdentity: { audience: AUDIENCE, subject: SUBJECT } });
    const other = sts.createRole({ roleName: 'Other', webIdentity: { audience: 'someone-else' } });
    j = await startKindJourney({
      stsUrl: sts.url,
      config: [
        '[profile ci]', `role_arn = ${role.arn}`, 'web_identity_token_file = TOKEN_FILE', 'role_session_name = ci-run', 'region = us-east-1', '',
        '[profile notrust]', `role_arn = ${other.arn}`, 'web_identity_token_file = TOKEN_FILE', '',
      ].join('\n'),
    });
    tokenFile = path.join(j.dir, 'oidc', 'token');
    await fs.mkdir(path.dirname(tokenFile));
    await fs.writeFile(j.box.configFile, (await fs.readFile(j.box.configFile, 'utf8')).replaceAll('TOKEN_FILE', tokenFile));
    await writeToken(sts.issueWebIdentityToken({ subject: SUBJECT, audience: AUDIENCE }).token);
  });

  after(async () => {
    await j?.close();
    await sts?.close();
  });

  it('credd switch ci serves the role to the aws CLI and the JS SDK; 20 clients cause one STS call', async () => {
    const sw = await switchCi();
    assert.equal(sw.code, 0, sw.stderr);
    assert.match(sw.stdout, /^Switched to ci as arn:aws:sts::123456789012:assumed-role\/CI\/ci-run \(credentials until /);
    assert.equal(webCalls(), 1);
    const statuses = await j.requests(20);
    assert.deepEqual(statuses, Array.from({ length: 20 }, () => 200));
    const [cli, sdk] = await Promise.all([j.awsCli(), j.jsSdk()]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.trim(), 'arn:aws:sts::123456789012:assumed-role/CI/ci-run');
    assert.equal(sdk.code, 0, sdk.stderr);
    assert.equal(sdk.stdout.trim(), 'arn:aws:sts::123456789012:assumed-role/CI/ci-run');
    assert.equal(webCalls(), 1, 'one AssumeRoleWithWebIdentity for 20 requests and two real clients');
    const unsigned = sts.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity');
    assert.ok(unsigned.every((c) => c.accessKeyId === ''), 'sent unsigned');
  });

  it('credd list names the kind and the token file', async () => {
    const r = await j.box.credd(['list']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`\\* ci +web identity ← ${tokenFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +arn:aws:iam::123456789012:role/CI +token file .* readable`));
    const json = JSON.parse((await j.box.credd(['list', '--json'])).stdout) as Array<{ name: string; kind: string }>;
    assert.equal(json.find((p) => p.name === 'ci')?.kind, 'web-identity');
  });

  it('a rotated token file is picked up by the next background refresh', async () => {
    // Credentials of 125 s: the daemon refreshes them about 62 s after issue, on its own.
    sts.setMaxIssuedDurationSeconds(125);
    try {
      assert.equal((await j.box.credd(['clear', 'ci'])).code, 0);
      const first = sts.issueWebIdentityToken({ subject: SUBJECT, audience: AUDIENCE, ttlSeconds: 600 });
      await writeToken(first.token);
      const sw = await switchCi();
      assert.equal(sw.code, 0, sw.stderr);
      const second = sts.issueWebIdentityToken({ subject: SUBJECT, audience: AUDIENCE });
      await writeToken(second.token);
      await waitUntil('a refresh with the rotated token', 120_000, () => sts.calls.some((c) => c.action === 'AssumeRoleWithWebIdentity' && c.tokenId === second.claims.jti));
      const used = sts.calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity').map((c) => c.tokenId);
      assert.deepEqual(used.slice(-2), [first.claims.jti, second.claims.jti], 'the switch used the first token, the refresh the rotated one');
    } finally {
      sts.setMaxIssuedDurationSeconds(undefined);
    }
    const statuses = await j.requests(5);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
  });

  it('a missing, expired, invalid or untrusted token gives one sentence naming the profile and the file', async () => {
    const cases: Array<[string, () => Promise<void>, string, string]> = [
      ['missing', () => fs.rm(tokenFile), 'ci', `credd: Profile "ci" cannot read its web_identity_token_file ${tokenFile}: it does not exist.`],
      [
        'expired',
        () => writeToken(sts.issueWebIdentityToken({ subject: SUBJECT, audience: AUDIENCE, ttlSeconds: -60 }).token),
        'ci',
        `credd: Profile "ci" (web_identity_token_file ${tokenFile}): the token in it has expired (its issuer should have rewritten the file).`,
      ],
      [
        'invalid',
        () => writeToken('not-a-jwt'),
        'ci',
        `credd: Profile "ci" (web_identity_token_file ${tokenFile}): STS rejected the token in it (The web identity token that was passed could not be parsed as a JWT).`,
      ],
      [
        'untrusted',
        () => writeToken(sts.issueWebIdentityToken({ subject: SUBJECT, audience: AUDIENCE }).token),
        'notrust',
        `credd: Profile "notrust" (web_identity_token_file ${tokenFile}): STS denied access: Not authorized to perform sts:AssumeRoleWithWebIdentity.`,
      ],
    ];
    for (const [what, prepare, profile, expected] of cases) {
      await prepare();
      assert.equal((await j.box.credd(['clear', profile])).code, 0);
      const r = await j.box.credd(['switch', profile]);
      assert.equal(r.code, 1, what);
      assert.equal(r.stderr, `${expected}\n`, what);
      // The same failure reaches an SDK client as a 4xx (never a 5xx, which SDKs retry) carrying the same sentence.
      const answer = await askAsClient(profile);
      assert.ok(answer.status === 409 || answer.status === 424, `${what}: clients get a 4xx, never a 5xx (got ${answer.status} ${answer.body})`);
      assert.equal((JSON.parse(answer.body) as { Message?: string }).Message, expected.replace(/^credd: /, ''), what);
    }
    const logs = j.daemon.logs();
    assert.ok(logs.includes('could not obtain credentials'), 'the daemon logged the failures');
    assert.ok(written.every((t) => !logs.includes(t)), 'no token in the daemon log');
  });
});
