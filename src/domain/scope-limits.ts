import { ConfigError } from './errors.js';
import type { SessionTag } from './session-scope.js';

/** AWS limits on what AssumeRole accepts; checked here so a bad value fails before any STS call. */
export const MAX_POLICY_ARNS = 10;
export const MAX_PACKED_POLICY_CHARS = 2048;
export const MAX_TAGS = 50;

const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,128}$/;
const SOURCE_IDENTITY = /^[\w+=,.@-]{2,64}$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
/** Characters AWS accepts in a policy document. */
// eslint-disable-next-line no-control-regex
const POLICY_CHARS = /^[\u0009\u000A\u000D\u0020-\u00FF]*$/;

/** `where` starts the sentence: 'Profile "dev" in ~/.aws/config' or '--policy-arn'. */
export function checkPolicyArns(arns: readonly string[], where: string): string[] {
  if (arns.length > MAX_POLICY_ARNS) throw new ConfigError(`${where}: ${arns.length} session policy ARNs is more than the ${MAX_POLICY_ARNS} AWS allows.`);
  for (const arn of arns) {
    if (!POLICY_ARN.test(arn)) throw new ConfigError(`${where}: "${printable(arn)}" is not a policy ARN (expected arn:aws:iam::aws:policy/ReadOnlyAccess or arn:aws:iam::123456789012:policy/Name).`);
  }
  return [...arns];
}

/** An inline session policy: JSON with a Statement of Allow/Deny entries, packed to ≤ 2048 characters. */
export function packPolicy(text: string, where: string): string {
  if (!POLICY_CHARS.test(text)) throw new ConfigError(`${where}: the policy has characters AWS does not accept in a policy document.`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${where}: the policy is not valid JSON (${(err as Error).message}).`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ConfigError(`${where}: the policy must be a JSON object with a "Statement".`);
  const statement = (doc as Record<string, unknown>)['Statement'];
  const statements = Array.isArray(statement) ? statement : [statement];
  if (statement === undefined || statements.length === 0) throw new ConfigError(`${where}: the policy has no "Statement".`);
  for (const s of statements) {
    const effect = typeof s === 'object' && s !== null ? (s as Record<string, unknown>)['Effect'] : undefined;
    if (effect !== 'Allow' && effect !== 'Deny') throw new ConfigError(`${where}: every policy statement needs "Effect": "Allow" or "Deny".`);
  }
  const packed = JSON.stringify(doc);
  if (packed.length > MAX_PACKED_POLICY_CHARS) {
    throw new ConfigError(`${where}: the policy is ${packed.length} characters without whitespace, more than the ${MAX_PACKED_POLICY_CHARS} AWS allows for a session policy.`);
  }
  return packed;
}

export function checkSourceIdentity(value: string, where: string): string {
  if (!SOURCE_IDENTITY.test(value)) throw new ConfigError(`${where}: source_identity "${printable(value)}" must be 2–64 characters of letters, digits and +=,.@_-.`);
  if (/^aws:/i.test(value)) throw new ConfigError(`${where}: source_identity must not start with "aws:".`);
  return value;
}

/** `session_tags = k=v,k2=v2` as aws-vault reads it. */
export function parseSessionTags(raw: string, where: string): SessionTag[] {
  const tags: SessionTag[] = [];
  const seen = new Set<string>();
  for (const pair of raw.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${where}: session_tags entry "${printable(pair)}" is not key=value.`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (!TAG_KEY.test(key)) throw new ConfigError(`${where}: session tag key "${printable(key)}" must be 1–128 letters, digits, spaces or _.:/=+-@.`);
    if (/^aws:/i.test(key)) throw new ConfigError(`${where}: session tag key "${printable(key)}" must not start with "aws:".`);
    if (!TAG_VALUE.test(value)) throw new ConfigError(`${where}: session tag "${printable(key)}" has a value that is not 0–256 letters, digits, spaces or _.:/=+-@.`);
    // Tag keys are case-insensitive in AWS: "Team" and "team" are the same tag.
    if (seen.has(key.toLowerCase())) throw new ConfigError(`${where}: session tag key "${printable(key)}" appears twice (tag keys are case-insensitive).`);
    seen.add(key.toLowerCase());
    tags.push({ key, value });
  }
  if (tags.length > MAX_TAGS) throw new ConfigError(`${where}: session_tags has ${tags.length} tags, more than the ${MAX_TAGS} AWS allows.`);
  return tags;
}

/** Every transitive key must be one of the session tags (AWS refuses the call otherwise). */
export function parseTransitiveKeys(raw: string, tags: readonly SessionTag[], where: string): string[] {
  const keys = raw.split(',').map((k) => k.trim()).filter((k) => k !== '');
  const known = new Set(tags.map((t) => t.key.toLowerCase()));
  for (const k of keys) {
    if (!known.has(k.toLowerCase())) throw new ConfigError(`${where}: transitive_session_tags names "${printable(k)}", which is not in session_tags.`);
  }
  return keys;
}

/** A role session name suffix: what STS accepts in a session name. */
export function checkSuffix(suffix: string, where: string): string {
  if (!/^[\w+=,.@-]{1,32}$/.test(suffix)) throw new ConfigError(`${where}: "${printable(suffix)}" must be 1–32 characters of letters, digits and +=,.@_-.`);
  return suffix;
}

function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 200);
}
