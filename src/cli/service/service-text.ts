import { CreddError } from '../../domain/errors.js';

/*
 * Everything written into a unit or plist goes through here. Control characters are refused,
 * not escaped: a newline in a systemd value starts a new directive, and XML 1.0 cannot carry
 * C0 controls at all (a plist holding one is rejected by launchd and plistlib alike). A
 * carried variable with such a value is a mistake or an attack either way.
 */
// C0, DEL, C1, and the two code points XML 1.0 excludes outright: matching controls is the point.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/;

/** Throws one sentence naming `what` when `value` cannot be written safely. */
export function safeText(what: string, value: string): string {
  const m = UNSAFE.exec(value);
  if (m) {
    const code = `U+${(m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new CreddError('UnsafeServiceValue', `${what} contains a control character (${code}), which a service file cannot carry safely; remove it and re-run credd service install.`);
  }
  return value;
}

/** XML text and attribute escaping for the plist. */
export function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * systemd quoting (systemd.syntax(7), systemd.service(5) "Command lines"): a double-quoted
 * word with `\` and `"` escaped and `%` doubled (specifiers). `$` is special only in
 * ExecStart arguments, not in the executable or in Environment=.
 */
export function sd(s: string, dollar: boolean): string {
  const quoted = s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
  return `"${dollar ? quoted.replace(/\$/g, '$$$$') : quoted}"`;
}

/** Reads back one word written by `sd` (for doctor). */
export function unSd(word: string, dollar: boolean): string {
  const inner = word.startsWith('"') && word.endsWith('"') ? word.slice(1, -1) : word;
  const s = inner.replace(/\\(.)/g, '$1').replace(/%%/g, '%');
  return dollar ? s.replace(/\$\$/g, '$') : s;
}

export function unXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
