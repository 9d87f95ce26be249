import { loadAwsConfig } from '../config/aws-config.js';
import { resolveProfile } from '../config/resolve-profile.js';
import type { SigningCredentials } from '../domain/credentials.js';
import { CreddError } from '../domain/errors.js';
import type { SecretStore } from '../domain/ports.js';
import { mfaSerialOf, userOf, type Profile } from '../domain/profile.js';
import { decodeKey, keyItem } from '../domain/stored-key.js';
import type { RotateResultView } from '../protocol/control-api.js';
import { rotateKey } from './rotate-key.js';

export interface RotateStoredKeyDeps {
  store: SecretStore;
  env: NodeJS.ProcessEnv;
  configFile: string;
  /** The MFA session that signs IAM calls when the profile (or its user) has mfa_serial. */
  mfaSession(profile: Profile): Promise<SigningCredentials>;
  /** Each step as it happens (besides the list returned at the end). */
  say?(line: string): void;
}

/**
 * `credd rotate` where the key lives: the daemon runs it (the key never leaves the daemon and
 * only the daemon's node opens the keychain); the CLI runs it only when no daemon is running.
 */
export async function rotateStoredKey(name: string, deps: RotateStoredKeyDeps): Promise<RotateResultView> {
  const profile = resolveProfile(await loadAwsConfig(deps.configFile), name, deps.env);
  const user = userOf(profile);
  if (user === undefined) throw new CreddError('NotAnIamUser', `Profile "${profile.name}" signs in through IAM Identity Center; there is no access key to rotate.`);
  const raw = await deps.store.get(keyItem(user.name));
  const old = raw === undefined ? undefined : decodeKey(raw);
  if (!old) throw new CreddError('NoKey', `Profile "${user.name}" has no usable key in credd to rotate; run: credd add ${user.name}`);
  // With MFA (on the user or on the role), IAM calls go through the MFA session: the seed
  // policy denies IAM without MFA, and AWS refuses IAM calls from sessions without MFA.
  const signing = mfaSerialOf(profile) !== undefined ? await deps.mfaSession(profile) : undefined;
  const { SdkIamGateway, stsIdentityCheck } = await import('../aws/sdk-iam-gateway.js');
  const iamEndpoint = deps.env['AWS_ENDPOINT_URL_IAM'] || deps.env['AWS_ENDPOINT_URL'] || undefined;
  const endpoints = { region: user.region, ...(iamEndpoint !== undefined && { iamEndpoint }), ...(user.endpoint !== undefined && { stsEndpoint: user.endpoint }) };
  const steps: string[] = [];
  const result = await rotateKey(user.name, old, {
    store: deps.store,
    iam: new SdkIamGateway({ ...endpoints, region: 'us-east-1' }),
    verify: stsIdentityCheck(endpoints),
    signing,
    say: (line) => {
      steps.push(line);
      deps.say?.(line);
    },
  });
  return { user: user.name, ...result, steps };
}
