// Server-side AWS Signature Version 4 checking, written from the published algorithm:
// canonical request -> string to sign -> HMAC chain -> hex signature, compared in constant time.
// The payload hash is always computed from the body actually received (a client's
// x-amz-content-sha256 header is only one more signed header), so a tampered body never verifies.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

export interface ParsedAuthorization {
  accessKeyId: string;
  /** YYYYMMDD from the credential scope. */
  date: string;
  region: string;
  service: string;
  terminator: string;
  /** "date/region/service/aws4_request" */
  scope: string;
  /** As the client listed them (lowercase, ';'-separated on the wire). */
  signedHeaders: string[];
  signature: string;
}

export type AuthorizationParse = { ok: true; value: ParsedAuthorization } | { ok: false; message: string };

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export function parseAuthorization(header: string): AuthorizationParse {
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) {
    return { ok: false, message: `Unsupported AWS 'algorithm': '${algorithm.slice(0, 40)}'. Only ${SIGV4_ALGORITHM} is accepted.` };
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !fields.get(name));
  if (missing.length > 0) {
    return { ok: false, message: missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' ') };
  }
  const credential = fields.get('Credential') ?? '';
  const parts = credential.split('/');
  const [accessKeyId, date, region, service, terminator] = parts;
  if (parts.length !== 5 || !accessKeyId || !date || !region || !service || !terminator) {
    return { ok: false, message: "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term." };
  }
  const signedHeaders = (fields.get('SignedHeaders') ?? '').split(';').filter((h) => h.length > 0);
  return {
    ok: true,
    value: {
      accessKeyId,
      date,
      region,
      service,
      terminator,
      scope: `${date}/${region}/${service}/${terminator}`,
      signedHeaders,
      signature: fields.get('Signature') ?? '',
    },
  };
}

export interface RequestToVerify {
  method: string;
  /** The path as received on the wire (still percent-encoded), without the query. */
  rawPath: string;
  /** The query as received on the wire, without '?'. */
  rawQuery: string;
  /** node's IncomingMessage.rawHeaders: [name, value, name, value, ...] */
  rawHeaders: readonly string[];
  body: Uint8Array;
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX. */
export function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Non-S3 services: dot-segments removed, then the wire path is encoded once more ("double encoding"). */
export function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  return `/${segments.map(uriEscape).join('/')}${trailing}`;
}

export function canonicalQuery(rawQuery: string): string {
  const pairs: Array<[string, string]> = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const key = safeDecode(eq < 0 ? piece : piece.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(piece.slice(eq + 1));
    if (key.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([uriEscape(key), uriEscape(value)]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Values of one header (all occurrences, in order), each trimmed with inner whitespace runs collapsed, joined by ','. */
export function canonicalHeaderValue(rawHeaders: readonly string[], lowerName: string): string | undefined {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] ?? '').toLowerCase() === lowerName) values.push((rawHeaders[i + 1] ?? '').trim().replace(/\s+/g, ' '));
  }
  return values.length > 0 ? values.join(',') : undefined;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function canonicalRequest(request: RequestToVerify, signedHeaders: readonly string[]): string {
  const headerLines = signedHeaders.map((name) => `${name}:${canonicalHeaderValue(request.rawHeaders, name) ?? ''}\n`).join('');
  return [
    request.method.toUpperCase(),
    canonicalUri(request.rawPath),
    canonicalQuery(request.rawQuery),
    headerLines,
    signedHeaders.join(';'),
    sha256Hex(request.body),
  ].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [SIGV4_ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secretAccessKey}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

export function computeSignature(request: RequestToVerify, auth: ParsedAuthorization, amzDate: string, secretAccessKey: string): string {
  const key = signingKey(secretAccessKey, auth.date, auth.region, auth.service);
  const toSign = stringToSign(amzDate, auth.scope, canonicalRequest(request, auth.signedHeaders));
  return createHmac('sha256', key).update(toSign).digest('hex');
}

/** Constant-time string equality (both sides hashed first, so differing lengths leak nothing either). */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

export function verifySignature(request: RequestToVerify, auth: ParsedAuthorization, amzDate: string, secretAccessKey: string): boolean {
  return constantTimeEqual(computeSignature(request, auth, amzDate, secretAccessKey), auth.signature.toLowerCase());
}

/** "20261125T201133Z" -> epoch ms, or undefined when not ISO 8601 basic format. */
export function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isFinite(ms) ? ms : undefined;
}
