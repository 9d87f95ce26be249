// AssumeRole's session policies and attribution (Policy, PolicyArns, SourceIdentity, Tags,
// TransitiveTagKeys) as the Query protocol carries them, checked against the limits AWS documents,
// so tests can assert what the real STS would have received and refused.
import { StsApiError } from './sts-xml.js';
import { validationError, type Params } from './iam-store.js';

export interface SessionParams {
  policy?: string;
  policyArns: string[];
  sourceIdentity?: string;
  tags: Array<{ key: string; value: string }>;
  transitiveTagKeys: string[];
}

const POLICY_ARN = /^arn:aws[a-z-]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]+$/;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
// eslint-disable-next-line no-control-regex
const POLICY_CHARS = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;
/** A list member the SDK sends as Name.member.1.Field; lists beyond this are refused before counting. */
const LIST_SCAN = 60;

function members(params: Params, name: string, field?: string): string[] {
  const out: string[] = [];
  for (let i = 1; i <= LIST_SCAN; i++) {
    const v = params(`${name}.member.${i}${field === undefined ? '' : `.${field}`}`);
    if (v === undefined) break;
    out.push(v);
  }
  return out;
}

/** Reads and checks the parameters; throws the error AWS answers for the first violation. */
export function readSessionParams(params: Params): SessionParams {
  const policy = params('Policy');
  if (policy !== undefined) {
    if (policy.length < 1 || policy.length > 2048) throw validationError('policy', '…', 'Member must have length less than or equal to 2048');
    if (!POLICY_CHARS.test(policy)) throw validationError('policy', '…', 'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+');
    let doc: unknown;
    try {
      doc = JSON.parse(policy);
    } catch {
      throw new StsApiError('MalformedPolicyDocument');
    }
    if (typeof doc !== 'object' || doc === null || (doc as Record<string, unknown>)['Statement'] === undefined) {
      throw new StsApiError('MalformedPolicyDocument', 'Syntax errors in policy.');
    }
  }
  const policyArns = members(params, 'PolicyArns', 'arn');
  if (policyArns.length > 10) throw validationError('policyArns', '…', 'Member must have length less than or equal to 10');
  for (const [i, arn] of policyArns.entries()) {
    if (arn.length < 20 || arn.length > 2048 || !POLICY_ARN.test(arn)) throw validationError(`policyArns.${i + 1}.member.arn`, arn, 'Member must be a valid policy ARN');
  }
  const sourceIdentity = params('SourceIdentity');
  if (sourceIdentity !== undefined) {
    if (sourceIdentity.length < 2 || sourceIdentity.length > 64) throw validationError('sourceIdentity', sourceIdentity, 'Member must have length between 2 and 64');
    if (!/^[\w+=,.@-]+$/.test(sourceIdentity)) throw validationError('sourceIdentity', sourceIdentity, 'Member must satisfy regular expression pattern: [\\w+=,.@-]*');
    if (/^aws:/i.test(sourceIdentity)) throw new StsApiError('InvalidParameterValue', 'SourceIdentity must not begin with aws:');
  }
  const keys = members(params, 'Tags', 'Key');
  const values = members(params, 'Tags', 'Value');
  if (keys.length > 50) throw validationError('tags', '…', 'Member must have length less than or equal to 50');
  const tags = keys.map((key, i) => ({ key, value: values[i] ?? '' }));
  const seen = new Set<string>();
  for (const [i, t] of tags.entries()) {
    if (t.key.length < 1 || t.key.length > 128 || !TAG_CHARS.test(t.key)) throw validationError(`tags.${i + 1}.member.key`, t.key, 'Member must have length between 1 and 128 and satisfy [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+');
    if (t.value.length > 256 || !TAG_CHARS.test(t.value)) throw validationError(`tags.${i + 1}.member.value`, t.value, 'Member must have length less than or equal to 256 and satisfy [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*');
    if (/^aws:/i.test(t.key)) throw new StsApiError('InvalidParameterValue', 'Tag keys must not begin with aws:');
    if (seen.has(t.key.toLowerCase())) throw new StsApiError('InvalidParameterValue', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    seen.add(t.key.toLowerCase());
  }
  const transitiveTagKeys = members(params, 'TransitiveTagKeys');
  if (transitiveTagKeys.length > 50) throw validationError('transitiveTagKeys', '…', 'Member must have length less than or equal to 50');
  for (const k of transitiveTagKeys) {
    if (!seen.has(k.toLowerCase())) throw new StsApiError('InvalidParameterValue', 'The specified transitive tag key must be included in the requested tags.');
  }
  // AWS packs the policies and tags into a binary form with its own limit; this stand-in refuses what is clearly too large.
  const packed = (policy?.length ?? 0) + policyArns.join('').length + tags.reduce((n, t) => n + t.key.length + t.value.length, 0);
  if (packed > 4096) throw new StsApiError('PackedPolicyTooLarge');
  return {
    ...(policy !== undefined && { policy }),
    policyArns,
    ...(sourceIdentity !== undefined && { sourceIdentity }),
    tags,
    transitiveTagKeys,
  };
}

/** PackedPolicySize as AWS reports it: a percentage of the allowed size. */
export function packedPolicyPercent(p: SessionParams): number | undefined {
  if (p.policy === undefined && p.policyArns.length === 0 && p.tags.length === 0) return undefined;
  const size = (p.policy?.length ?? 0) + p.policyArns.join('').length + p.tags.reduce((n, t) => n + t.key.length + t.value.length, 0);
  return Math.min(100, Math.max(1, Math.ceil((size / 4096) * 100)));
}
