/**
 * What a terminal must never receive from data: C0 controls (ESC starts CSI/OSC sequences, CR
 * rewrites a line, BEL), DEL, C1 controls (U+009B is a one-character CSI on some terminals),
 * the Unicode line separators, and the bidirectional overrides and isolates that make text
 * display in another order than it reads (U+202E "Trojan Source").
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LF = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from outside (a profile name, a config value, an STS or keychain message, a client's
 * command line) made safe to print: each control becomes a visible `\uXXXX`, so a newline
 * cannot forge a line and an escape sequence never reaches the terminal. `\uXXXX` is also a
 * JSON escape of the very same character, so JSON output passed through here still parses to
 * the exact original value. `lines` keeps line feeds: for the CLI's own multi-line output,
 * whose data fields were escaped whole beforehand.
 */
export function terminalText(text: string, keep: 'nothing' | 'lines' = 'nothing'): string {
  return text.replace(keep === 'lines' ? CONTROL_BUT_LF : CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
