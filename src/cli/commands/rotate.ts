import type { Command } from 'commander';
import { loadAwsConfig } from '../../config/aws-config.js';
import { resolveProfile } from '../../config/resolve-profile.js';
import { CreddError } from '../../domain/errors.js';
import { maskAccessKeyId } from '../../domain/credentials.js';
import { rootOf } from '../../domain/profile.js';
import { decodeKey, keyItem } from '../../domain/stored-key.js';
import type { CliContext } from '../cli-context.js';
import { rotateKey } from '../rotate/rotate-key.js';
import { fetchCredentials } from './export.js';
import { PROFILE_ARG, validProfileName } from './profile-name.js';

/** Replaces PROFILE's IAM user key with a new one; the running daemon uses it at once. */
export async function runRotate(input: { profile: string; mfaCode?: string }, ctx: CliContext): Promise<void> {
  const profile = resolveProfile(await loadAwsConfig(ctx.configFile), validProfileName(input.profile), ctx.env);
  const user = rootOf(profile);
  const store = await ctx.store();
  const raw = await store.get(keyItem(user.name));
  const old = raw === undefined ? undefined : decodeKey(raw);
  if (!old) throw new CreddError('NoKey', `Profile "${user.name}" has no usable key in credd to rotate; run: credd add ${user.name}`);
  // With MFA, IAM calls go through the MFA session (the seed policy denies IAM without MFA).
  const signing = user.mfaSerial !== undefined ? await fetchCredentials(ctx, user.name, input.mfaCode) : undefined;
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
