import { Writable } from 'node:stream';
import { terminalText } from './terminal-text.js';

type Target = Writable & { isTTY?: boolean; columns?: number };

/**
 * The CLI's printing boundary: everything a command writes to stdout or stderr passes here, so
 * no command can forget to escape what came from a config file, STS or another process. Line
 * feeds pass (the CLI's own line structure); every other control is shown as `\uXXXX`, which
 * leaves JSON output exact (see terminalText). Shell code gets no raw control either: credd
 * single-quotes values, and profile names and regions are validated before they get there.
 */
export function terminalStream(target: Target): Writable & { isTTY?: boolean; columns?: number } {
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      // Handed on at once (not after the target drains): output stays in order with direct writes.
      target.write(terminalText(typeof chunk === 'string' ? chunk : chunk.toString('utf8'), 'lines'));
      done();
    },
  });
  return Object.defineProperties(stream, {
    isTTY: { get: () => target.isTTY },
    columns: { get: () => target.columns },
  }) as Writable & { isTTY?: boolean; columns?: number };
}
