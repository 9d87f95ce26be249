// The IAM actions the emulator serves (Query API, Version 2010-05-08) over the shared identity
// store: CreateAccessKey, ListAccessKeys, DeleteAccessKey, UpdateAccessKey, GetUser.
// Permissions, in the emulator's simplified policy world:
//  - an IAM user may manage (and read) only itself: its own keys, its own GetUser — with its
//    long-term key or a GetSessionToken session; another UserName is an implicit deny;
//  - GetSessionToken sessions issued WITHOUT MFA cannot call IAM at all (AWS: "You cannot call any
//    IAM API operations unless MFA authentication information is included in the request"); AWS
//    answers InvalidClientTokenId, and so does the emulator;
//  - users created with requireMfa are explicitly denied everything unless the request comes from
//    their MFA session (see mfaPolicyDenies), so there CreateAccessKey/DeleteAccessKey/
//    ListAccessKeys on the user itself work exactly with the MFA session;
//  - role sessions have no user: without UserName a ValidationError (as AWS), with one an implicit
//    deny (the emulator grants roles no IAM permissions).
import { StsApiError, awsTimestamp, type XmlTree } from './sts-xml.js';
import {
  MAX_KEYS_PER_USER, NAME_PATTERN, callerArn, explicitDeny, mfaPolicyDenies, validationError,
  type AccessKeyRecord, type Caller, type IamStore, type Params, type UserRecord,
} from './iam-store.js';

export const IAM_ACTIONS = ['CreateAccessKey', 'ListAccessKeys', 'DeleteAccessKey', 'UpdateAccessKey', 'GetUser'] as const;
export type IamAction = (typeof IAM_ACTIONS)[number];

export function isIamAction(action: string): action is IamAction {
  return (IAM_ACTIONS as readonly string[]).includes(action);
}

export class IamModel {
  constructor(private readonly store: IamStore) {}

  /** Runs one action; undefined means "no Result element" (DeleteAccessKey, UpdateAccessKey). */
  run(action: IamAction, caller: Caller, params: Params): XmlTree | undefined {
    if (caller.kind === 'user-session' && !caller.mfa) throw new StsApiError('InvalidClientTokenId');
    switch (action) {
      case 'CreateAccessKey':
        return this.createAccessKey(caller, params);
      case 'ListAccessKeys': {
        const user = this.target(caller, params, action);
        return { AccessKeyMetadata: this.store.keysOf(user).map((k) => keyMetadata(k)), IsTruncated: 'false' };
      }
      case 'DeleteAccessKey': {
        const accessKeyId = requiredAccessKeyId(params);
        const user = this.target(caller, params, action);
        this.store.deleteAccessKey(this.keyOf(user, accessKeyId));
        return undefined;
      }
      case 'UpdateAccessKey': {
        const accessKeyId = requiredAccessKeyId(params);
        const status = params('Status');
        if (status === undefined) throw validationError('status', 'null', 'Member must not be null');
        if (status !== 'Active' && status !== 'Inactive') throw validationError('status', status, 'Member must satisfy enum value set: [Active, Inactive]');
        const user = this.target(caller, params, action);
        this.keyOf(user, accessKeyId).status = status;
        return undefined;
      }
      case 'GetUser': {
        const user = this.target(caller, params, action);
        return { User: { Path: '/', UserName: user.userName, UserId: user.userId, Arn: user.arn, CreateDate: awsTimestamp(user.createdAtMs) } };
      }
    }
  }

  private createAccessKey(caller: Caller, params: Params): XmlTree {
    const user = this.target(caller, params, 'CreateAccessKey');
    if (this.store.keysOf(user).length >= MAX_KEYS_PER_USER) {
      throw new StsApiError('LimitExceeded', `Cannot exceed quota for AccessKeysPerUser: ${MAX_KEYS_PER_USER}`);
    }
    const key = this.store.addAccessKey(user);
    return {
      AccessKey: { UserName: user.userName, AccessKeyId: key.accessKeyId, Status: key.status, SecretAccessKey: key.secretAccessKey, CreateDate: awsTimestamp(key.createdAtMs) },
    };
  }

  /** The user the request is about (UserName, else the caller), once the caller may act on it. */
  private target(caller: Caller, params: Params, action: IamAction): UserRecord {
    const named = params('UserName');
    if (named !== undefined && (named.length < 1 || named.length > 128 || !NAME_PATTERN.test(named))) {
      throw validationError('userName', named, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
    }
    if (named === undefined && caller.kind === 'role-session') throw new StsApiError('ValidationError', 'Must specify userName when calling with non-User credentials');
    const userName = named ?? (caller.kind === 'role-session' ? '' : caller.user.userName);
    const resource = `user ${userName}`;
    // Explicit deny first, as IAM's policy evaluation does; then the implicit one.
    if (mfaPolicyDenies(caller, false)) throw explicitDeny(caller, `iam:${action}`, resource);
    const self = caller.kind !== 'role-session' && caller.user.userName === userName ? caller.user : undefined;
    if (!self) {
      throw new StsApiError('AccessDenied', `User: ${callerArn(caller)} is not authorized to perform: iam:${action} on resource: ${resource} because no identity-based policy allows the iam:${action} action`);
    }
    // The caller's own record always exists; an IAM admin able to name unknown users (NoSuchEntity
    // "The user with name X cannot be found.") is not emulated.
    return self;
  }

  private keyOf(user: UserRecord, accessKeyId: string): AccessKeyRecord {
    const key = this.store.keysOf(user).find((k) => k.accessKeyId === accessKeyId);
    if (!key) throw new StsApiError('NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found.`);
    return key;
  }
}

function requiredAccessKeyId(params: Params): string {
  const id = params('AccessKeyId');
  if (id === undefined) throw validationError('accessKeyId', 'null', 'Member must not be null');
  if (id.length < 16 || id.length > 128 || !/^\w+$/.test(id)) throw validationError('accessKeyId', id, 'Member must satisfy regular expression pattern: [\\w]+');
  return id;
}

function keyMetadata(k: AccessKeyRecord): XmlTree {
  return { UserName: k.user.userName, AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: awsTimestamp(k.createdAtMs) };
}
