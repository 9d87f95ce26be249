// pino's redact list itself: every key it names is blanked, at every level down to trace.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/platform/logger.js';
import { assertNoSecrets } from '../support/assert-no-secrets.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1';

/** One logger at trace writing into a string. */
function capture() {
  let out = '';
  const destination = new Writable({ write: (chunk: Buffer, _enc, done) => ((out += chunk.toString()), done()) });
  const logger = createLogger({ level: 'trace', destination });
  return { logger, text: () => out };
}

/** Each shape the redact list promises to cover, with the secret in it. */
const SHAPES: Array<[string, Record<string, unknown>]> = [
  ['secretAccessKey', { secretAccessKey: SECRET }],
  ['sessionToken', { sessionToken: SECRET }],
  ['token', { token: SECRET }],
  ['tokenCode', { tokenCode: SECRET }],
  ['*.secretAccessKey', { creds: { secretAccessKey: SECRET } }],
  ['*.sessionToken', { creds: { sessionToken: SECRET } }],
  ['*.token', { sso: { token: SECRET } }],
  ['*.tokenCode', { input: { tokenCode: SECRET } }],
  ['*.SecretAccessKey', { body: { SecretAccessKey: SECRET } }],
  ['*.SessionToken', { Credentials: { SessionToken: SECRET } }],
  ['*.Token', { body: { Token: SECRET } }],
  ['req.headers.authorization', { req: { headers: { authorization: SECRET } } }],
  ['req.headers["x-aws-ec2-metadata-token"]', { req: { headers: { 'x-aws-ec2-metadata-token': SECRET } } }],
  ['headers.authorization', { headers: { authorization: SECRET } }],
  ['headers["x-aws-ec2-metadata-token"]', { headers: { 'x-aws-ec2-metadata-token': SECRET } }],
];

describe('platform/logger redaction', () => {
  for (const [path, shape] of SHAPES) {
    it(`redacts ${path} at every level`, () => {
      const { logger, text } = capture();
      for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) logger[level]({ ...shape, profile: 'base' }, `a line at ${level}`);
      const lines = text().trim().split('\n');
      assert.equal(lines.length, 6, 'every level wrote its line');
      for (const line of lines) {
        assertNoSecrets(line, [SECRET], `the log line for ${path}`);
        assert.match(line, /\[redacted\]/);
        assert.match(line, /"profile":"base"/, 'the rest of the line is kept');
      }
    });
  }
});
