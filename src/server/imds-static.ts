import { IMAGE_ID, INSTANCE_ID, INSTANCE_TYPE, instanceIdentityDocument } from '../protocol/imds.js';

function partitionOf(region: string): { partition: string; domain: string } {
  if (region.startsWith('cn-')) return { partition: 'aws-cn', domain: 'amazonaws.com.cn' };
  if (region.startsWith('us-gov-')) return { partition: 'aws-us-gov', domain: 'amazonaws.com' };
  return { partition: 'aws', domain: 'amazonaws.com' };
}

/**
 * The non-credential metadata tools probe (region discovery above all). Undefined for
 * paths EC2 would not serve either, which become 404s.
 */
export function imdsStaticAnswer(key: string, region: string, accountId: string | undefined, startedAt: Date): string | undefined {
  const { partition, domain } = partitionOf(region);
  const answers: Record<string, string> = {
    '': 'dynamic\nmeta-data',
    'meta-data': 'ami-id\nhostname\niam/\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\nmac\nplacement/\nservices/',
    'meta-data/ami-id': IMAGE_ID,
    'meta-data/instance-id': INSTANCE_ID,
    'meta-data/instance-type': INSTANCE_TYPE,
    'meta-data/hostname': 'localhost',
    'meta-data/local-hostname': 'localhost',
    'meta-data/local-ipv4': '127.0.0.1',
    'meta-data/mac': '02:00:00:00:00:01',
    'meta-data/iam': 'info\nsecurity-credentials/',
    'meta-data/placement': 'availability-zone\nregion',
    'meta-data/placement/availability-zone': `${region}a`,
    'meta-data/placement/region': region,
    'meta-data/services': 'domain\npartition',
    'meta-data/services/domain': domain,
    'meta-data/services/partition': partition,
    dynamic: 'instance-identity/',
    'dynamic/instance-identity': 'document',
    'dynamic/instance-identity/document': instanceIdentityDocument(region, accountId, startedAt),
  };
  return Object.hasOwn(answers, key) ? answers[key] : undefined;
}
