import type { Command } from 'commander';
import { loadAwsConfig } from '../../config/aws-config.js';
import { resolveProfile } from '../../config/resolve-profile.js';
import { CreddError } from '../../domain/errors.js';
import { maskAccessKeyId } from '../../domain/credentials.js';
import { mfaSerialOf, userOf } from '../../domain/profile.js';
import { quietSdkNodeWarning } from '../../platform/quiet-sdk-warning.js';
import type { ExportedCredentials } from '../../protocol/control-api.js';
import { withMfa } from '../mfa-prompt.js';
import { decodeKey, keyItem } from '../../domain/stored-key.js';
import type { CliContext } from '../cli-context.js';
import { rotateKey } from '../rotate/rotate-key.js';
import { PROFILE_ARG, validProfileName } from './profile-name.js';

/** Replaces PROFILE's IAM user key with a new one; the running daemon uses it at once. */
export async function runRotate(input: { profile: string; mfaCode?: string }, ctx: CliContext): Promise<void> {
  const profile = resolveProfile(await loadAwsConfig(ctx.configFile), validProfileName(input.profile), ctx.env);
  const user = userOf(profile);
  if (user === undefined) throw new CreddError('NotAnIamUser', `Profile "${profile.name}" signs in through IAM Identity Center; there is no access key to rotate.`);
  const store = await ctx.store();
  const raw = await store.get(keyItem(user.name));
  const old = raw === undefined ? undefined : decodeKey(raw);
  if (!old) throw new CreddError('NoKey', `Profile "${user.name}" has no usable key in credd to rotate; run: credd add ${user.name}`);
  // With MFA (on the user or on the role), IAM calls go through the MFA session: the seed
  // policy denies IAM without MFA, and AWS refuses IAM calls from sessions without MFA.
  const signing =
    mfaSerialOf(profile) !== undefined
      ? await withMfa(ctx, profile.name, () => ctx.daemon.post<ExportedCredentials>('/v1/mfa-session', { profile: profile.name }), {
          ...(input.mfaCode !== undefined && { code: input.mfaCode }),
          interactive: ctx.prompt.interactive,
        })
      : undefined;
  quietSdkNodeWarning();
  const { SdkIamGateway, stsIdentityCheck } = await import('../../sts/sdk-iam-gateway.js');
  const iamEndpoint = ctx.env['AWS_ENDPOINT_URL_IAM'] || ctx.env['AWS_ENDPOINT_URL'] || undefined;
  const endpoints = { region: user.region, ...(iamEndpoint !== undefined && { iamEndpoint }), ...(user.endpoint !== undefined && { stsEndpoint: user.endpoint }) };
  const result = await rotateKey(user.name, old, {
    store,
    iam: new SdkIamGateway({ ...endpoints, region: 'us-east-1' }),
    verify: stsIdentityCheck(endpoints),
    signing,
    say: (line) => ctx.err.write(`  ${line}\n`),
  });
  ctx.out.write(`Rotated ${user.name}: ${maskAccessKeyId(result.oldKeyId)} → ${maskAccessKeyId(result.newKeyId)}; the old key is deleted and the daemon uses the new one from now on.\n`);
}

export function registerRotate(program: Command, ctx: () => CliContext): void {
  program
    .command('rotate')
    .description("replace the IAM user's access key (of PROFILE or its source): create, verify, store, delete the old one")
    .argument(PROFILE_ARG, 'the IAM-user profile, or a role profile whose source it is')
    .option('--mfa-code <code>', 'MFA code, when the user needs one and no session is cached')
    .action((profile: string, opts: { mfaCode?: string }) => runRotate({ profile, ...(opts.mfaCode !== undefined && { mfaCode: opts.mfaCode }) }, ctx()));
}
