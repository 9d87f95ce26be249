// `npm run demo`: the whole credd journey against the bundled STS emulator, in a throwaway
// directory. Touches neither ~/.aws nor the OS keychain (keys go to an encrypted file store
// inside the temporary directory), and listens only on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv, CREDD_BIN, ROOT, run, type RunResult } from './cli-harness.js';
import { startDaemonProcess } from './daemon-process.js';
import { startStsEmulator } from './sts-emulator.js';

const dim = (s: string): string => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function show(command: string, r: RunResult): RunResult {
  process.stdout.write(`${bold(`$ ${command}`)}\n`);
  const text = `${r.stdout}${r.stderr}`.trimEnd();
  if (text !== '') process.stdout.write(`${text}\n`);
  process.stdout.write('\n');
  if (r.code !== 0) throw new Error(`demo step failed (exit ${r.code}): ${command}`);
  return r;
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credd-demo-'));
const sts = await startStsEmulator();
let stopDaemon: (() => Promise<unknown>) | undefined;
try {
  const alice = sts.createUser({ userName: 'alice' });
  const ro = sts.createRole({ roleName: 'ReadOnly', trustedPrincipals: [alice.arn] });
  const admin = sts.createRole({ roleName: 'Admin', trustedPrincipals: [alice.arn] });
  const configFile = path.join(dir, 'aws-config');
  const config = `[profile base]\nregion = us-east-1\n\n[profile readonly]\nsource_profile = base\nrole_arn = ${ro.arn}\n\n[profile admin]\nsource_profile = base\nrole_arn = ${admin.arn}\n`;
  await fs.writeFile(configFile, config);
  const env = cleanEnv({
    CREDD_HOME: path.join(dir, 'credd'),
    AWS_CONFIG_FILE: configFile,
    AWS_ENDPOINT_URL_STS: sts.url,
    CREDD_STORE: 'file',
    CREDD_FILE_PASSPHRASE: randomBytes(16).toString('hex'),
  });
  const credd = (args: string[], extra: Record<string, string> = {}) => run(process.execPath, [CREDD_BIN, ...args], { env: { ...env, ...extra } });

  process.stdout.write(dim(`credd demo — STS emulator at ${sts.url}, everything under ${dir}\n`));
  process.stdout.write(dim(`~/.aws/config for this demo:\n${config.replace(/^/gm, '  ')}\n`));

  show('credd add base --env        # AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY of the IAM user', await credd(['add', 'base', '--env'], { AWS_ACCESS_KEY_ID: alice.accessKeyId, AWS_SECRET_ACCESS_KEY: alice.secretAccessKey }));
  const daemon = await startDaemonProcess(env);
  stopDaemon = () => daemon.stop();
  process.stdout.write(`${bold('$ credd daemon &')}\n${dim(`listening on 127.0.0.1:${daemon.port} (pid ${daemon.child.pid})`)}\n\n`);
  const envOut = show('credd env', await credd(['env']));
  const vars: Record<string, string> = {};
  for (const m of envOut.stdout.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)) vars[m[1] ?? ''] = m[2] ?? '';
  show('credd switch readonly', await credd(['switch', 'readonly']));

  // Real clients with only credd's two variables: no access key anywhere in their environment.
  const clientEnv = cleanEnv({ ...vars, AWS_ENDPOINT_URL_STS: sts.url, AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/nonexistent/config' });
  const hasAws = (await run('sh', ['-c', 'command -v aws'], { env: clientEnv })).code === 0;
  const whoami = () => run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/whoami.ts')], { env: clientEnv });
  if (hasAws) show('aws sts get-caller-identity --query Arn --output text', await run('aws', ['sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'], { env: clientEnv }));
  show('node whoami.js              # AWS SDK for JavaScript v3, default credential chain', await whoami());
  show('credd switch admin', await credd(['switch', 'admin']));
  if (hasAws) show('aws sts get-caller-identity --query Arn --output text', await run('aws', ['sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'], { env: clientEnv }));
  show('node whoami.js', await whoami());
  show('credd status', await credd(['status']));
  show('credd list', await credd(['list']));
  const counts = sts.counts;
  process.stdout.write(dim(`STS calls made: ${JSON.stringify(counts)}\n`));
  show('credd stop', await credd(['stop']));
  stopDaemon = undefined;
  process.stdout.write('Demo finished. To use credd for real (README: Using it): credd add <profile>, credd daemon --detach (or credd service install), credd init bash >> ~/.bashrc.\n');
} finally {
  await stopDaemon?.();
  await sts.close();
  await fs.rm(dir, { recursive: true, force: true });
}
