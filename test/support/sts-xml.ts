// Query-protocol XML (STS and IAM): success envelopes and ErrorResponse, with the status codes AWS uses.
export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';

export type StsErrorCode =
  | 'InvalidClientTokenId'
  | 'SignatureDoesNotMatch'
  | 'IncompleteSignature'
  | 'MissingAuthenticationToken'
  | 'AccessDenied'
  | 'ExpiredToken'
  | 'ExpiredTokenException'
  | 'InvalidIdentityToken'
  | 'ValidationError'
  | 'Throttling'
  | 'InternalFailure'
  | 'InvalidAction'
  | 'MissingAction'
  | 'RequestExpired'
  | 'NoSuchEntity'
  | 'LimitExceeded'
  | 'MalformedPolicyDocument'
  | 'PackedPolicyTooLarge'
  | 'InvalidParameterValue';

interface ErrorSpec {
  status: number;
  type: 'Sender' | 'Receiver';
  message: string;
}

const ERRORS: Record<StsErrorCode, ErrorSpec> = {
  InvalidClientTokenId: { status: 403, type: 'Sender', message: 'The security token included in the request is invalid.' },
  SignatureDoesNotMatch: {
    status: 403,
    type: 'Sender',
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  },
  IncompleteSignature: { status: 400, type: 'Sender', message: 'The request signature does not conform to AWS standards.' },
  MissingAuthenticationToken: { status: 403, type: 'Sender', message: 'Request is missing Authentication Token' },
  AccessDenied: { status: 403, type: 'Sender', message: 'Access denied' },
  ExpiredToken: { status: 400, type: 'Sender', message: 'The security token included in the request is expired' },
  // AssumeRoleWithWebIdentity's token errors.
  ExpiredTokenException: { status: 400, type: 'Sender', message: 'Token expired' },
  InvalidIdentityToken: { status: 400, type: 'Sender', message: 'The web identity token that was passed is not valid.' },
  ValidationError: { status: 400, type: 'Sender', message: 'The request is not valid.' },
  Throttling: { status: 400, type: 'Sender', message: 'Rate exceeded' },
  InternalFailure: { status: 500, type: 'Receiver', message: 'The request processing has failed because of an unknown error, exception or failure.' },
  InvalidAction: { status: 400, type: 'Sender', message: 'The action or operation requested is invalid. Verify that the action is typed correctly.' },
  MissingAction: { status: 400, type: 'Sender', message: 'The request is missing an action or a required parameter.' },
  RequestExpired: { status: 400, type: 'Sender', message: 'Request has expired.' },
  // IAM's own errors; the statuses are those of the IAM API reference (LimitExceeded is 409, not 400).
  NoSuchEntity: { status: 404, type: 'Sender', message: 'The request was rejected because it referenced a resource entity that does not exist.' },
  LimitExceeded: { status: 409, type: 'Sender', message: 'The request was rejected because it attempted to create resources beyond the current AWS account limits.' },
  // AssumeRole's session policy and tag errors (session-params.ts).
  MalformedPolicyDocument: { status: 400, type: 'Sender', message: 'The policy is not in the valid JSON format.' },
  PackedPolicyTooLarge: { status: 400, type: 'Sender', message: 'Packed policy consumes more than 100% of the allotted size.' },
  InvalidParameterValue: { status: 400, type: 'Sender', message: 'An invalid or out-of-range value was supplied for the input parameter.' },
};

/** Thrown by request handling; turned into an ErrorResponse. */
export class StsApiError extends Error {
  readonly code: StsErrorCode;
  readonly status: number;
  readonly type: 'Sender' | 'Receiver';
  constructor(code: StsErrorCode, message?: string) {
    const spec = ERRORS[code];
    super(message ?? spec.message);
    this.name = 'StsApiError';
    this.code = code;
    this.status = spec.status;
    this.type = spec.type;
  }
}

export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

/**
 * A tree of elements: strings are escaped text, nested objects become child elements, arrays
 * become a list of <member> elements (the Query protocol's list shape), undefined is omitted.
 */
export interface XmlTree {
  [element: string]: string | number | XmlTree | XmlTree[] | undefined;
}

export function xmlElements(tree: XmlTree): string {
  let out = '';
  for (const [name, value] of Object.entries(tree)) {
    if (value === undefined) continue;
    let inner: string;
    if (Array.isArray(value)) inner = value.map((member) => `<member>${xmlElements(member)}</member>`).join('');
    else inner = typeof value === 'object' ? xmlElements(value) : xmlEscape(String(value));
    out += `<${name}>${inner}</${name}>`;
  }
  return out;
}

/** `result` undefined: no <ActionResult> element at all, as IAM answers DeleteAccessKey and UpdateAccessKey. */
export function successXml(action: string, result: XmlTree | undefined, requestId: string, xmlns: string = STS_XMLNS): string {
  return (
    `<${action}Response xmlns="${xmlns}">\n` +
    (result === undefined ? '' : `  <${action}Result>${xmlElements(result)}</${action}Result>\n`) +
    `  <ResponseMetadata>${xmlElements({ RequestId: requestId })}</ResponseMetadata>\n` +
    `</${action}Response>\n`
  );
}

export function errorXml(error: StsApiError, requestId: string, xmlns: string = STS_XMLNS): string {
  return (
    `<ErrorResponse xmlns="${xmlns}">\n` +
    `  <Error>${xmlElements({ Type: error.type, Code: error.code, Message: error.message })}</Error>\n` +
    `  ${xmlElements({ RequestId: requestId })}\n` +
    `</ErrorResponse>\n`
  );
}

/** STS and IAM timestamps: ISO 8601, UTC, whole seconds ("2026-11-25T21:00:00Z"). */
export function awsTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
