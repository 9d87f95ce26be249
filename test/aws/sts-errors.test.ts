// STS failures as one sentence each: by AWS error code, by network trouble, by HTTP status.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StsError } from '../../src/domain/errors.js';
import { toStsError } from '../../src/aws/sts-errors.js';

/** An error shaped like the SDK's service exceptions. */
const aws = (name: string, message: string, status = 400) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('toStsError', () => {
  it('maps AWS error codes to one failure and one sentence', () => {
    const cases: Array<[Error, string, RegExp]> = [
      [aws('SignatureDoesNotMatch', 'The request signature we calculated does not match', 403), 'SignatureDoesNotMatch', /^STS rejected the request signature: the secret access key does not match the access key id\.$/],
      [aws('InvalidClientTokenId', 'The security token included in the request is invalid', 403), 'InvalidClientTokenId', /^STS does not recognise the access key/],
      [aws('ExpiredToken', 'expired'), 'ExpiredToken', /^STS says the session credentials have expired\.$/],
      [aws('ExpiredTokenException', 'expired'), 'ExpiredToken', /expired/],
      [aws('Throttling', 'Rate exceeded'), 'Throttling', /^STS is throttling requests; credd will retry\.$/],
      [aws('RequestLimitExceeded', 'slow down'), 'Throttling', /throttling/],
      [aws('ValidationError', '1 validation error detected: durationSeconds'), 'InvalidParameter', /^STS rejected the request: 1 validation error detected: durationSeconds$/],
      [aws('AccessDenied', 'User: arn:aws:iam::1:user/alice is not authorized to perform: sts:AssumeRole', 403), 'AccessDenied', /^STS denied access: User: arn:aws:iam::1:user\/alice is not authorized/],
      [aws('RegionDisabledException', 'STS is not activated in this region', 403), 'AccessDenied', /STS denied access/],
    ];
    for (const [err, code, message] of cases) {
      const e = toStsError(err);
      assert.ok(e instanceof StsError);
      assert.equal(e.failure, code, err.name);
      assert.equal(e.code, `Sts${code}`);
      assert.match(e.message, message, err.name);
      assert.equal(e.cause, err, 'the original is kept as the cause');
    }
  });

  it('an AccessDenied about MFA is a refused MFA code', () => {
    const e = toStsError(aws('AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.', 403));
    assert.equal(e.failure, 'MfaInvalid');
    assert.match(e.message, /^STS refused the MFA code: MultiFactorAuthentication failed/);
  });

  it('network trouble, 5xx and the unknown', () => {
    assert.equal(toStsError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })).failure, 'Network');
    assert.match(toStsError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })).message, /^STS could not be reached \(connect ECONNREFUSED 127\.0\.0\.1:9\)\.$/);
    assert.equal(toStsError(Object.assign(new Error('timed out'), { name: 'TimeoutError' })).failure, 'Network');
    const internal = toStsError(aws('InternalFailure', 'oops', 500));
    assert.equal(internal.failure, 'ServiceError');
    assert.match(internal.message, /^STS had an internal error \(InternalFailure\); credd will retry\.$/);
    const odd = toStsError(aws('SomethingNew', 'a new kind of failure\n  on two lines'));
    assert.equal(odd.failure, 'Unknown');
    assert.equal(odd.message, 'STS call failed: SomethingNew: a new kind of failure on two lines');
  });

  it('keeps an StsError as it is, and cuts a long AWS message to 300 characters', () => {
    const mine = new StsError('Throttling', 'already explained');
    assert.equal(toStsError(mine), mine);
    const long = toStsError(aws('ValidationError', 'x'.repeat(1_000)));
    assert.equal(long.message, `STS rejected the request: ${'x'.repeat(300)}`);
  });
});
