/**
 * Text from outside (a client's command line, a profile name, an STS message) made safe to
 * print: control characters (C0, DEL, C1) become visible escapes, so a newline cannot forge
 * a line and an escape sequence (OSC, CSI) never reaches the terminal.
 */
export function terminalText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}
