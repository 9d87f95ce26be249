import { ConfigError } from '../domain/errors.js';
import { terminalText } from '../platform/terminal-text.js';

const HEADER = /^\[([^\]]*)\]\s*(?:[#;].*)?$/;
const KEY_VALUE = /^([^=\s[#;][^=]*?)\s*=/;

/**
 * Refuses what the AWS CLI refuses and the SDK's ini loader quietly gets wrong: a section
 * header without its `]` (the lines below it would land in the profile above), a line that is
 * neither `key = value`, a comment, blank nor an indented continuation, a key before any
 * section, a section or key defined twice. One sentence naming the file and line.
 */
export function checkIni(file: string, text: string): void {
  const sections = new Map<string, number>();
  let keys: Map<string, number> | undefined;
  let lastWasKey = false;
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const at = `${file} line ${i + 1}`;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (/^\s/.test(raw) && lastWasKey) continue; // continuation of a nested value (s3 =, then indented keys)
    if (line.startsWith('[')) {
      const m = HEADER.exec(line);
      const name = m?.[1]?.trim().replace(/\s+/g, ' ');
      if (name === undefined || name === '') throw new ConfigError(`${at}: "${shorten(line)}" is not a section header (expected [profile NAME] with its closing "]"); credd reads nothing from this file until it is fixed.`);
      const seen = sections.get(name);
      if (seen !== undefined) throw new ConfigError(`${at}: [${name}] is defined twice (first on line ${seen}); merge the two sections.`);
      sections.set(name, i + 1);
      keys = new Map();
      lastWasKey = false;
      continue;
    }
    const kv = KEY_VALUE.exec(line);
    if (!kv) throw new ConfigError(`${at}: "${shorten(line)}" is not "key = value", a comment or a section header; credd reads nothing from this file until it is fixed.`);
    if (keys === undefined) throw new ConfigError(`${at}: "${shorten(line)}" comes before any [profile NAME] section.`);
    const key = (kv[1] ?? '').trim();
    const first = keys.get(key);
    if (first !== undefined) throw new ConfigError(`${at}: ${key} is set twice in the same section (first on line ${first}).`);
    keys.set(key, i + 1);
    lastWasKey = true;
  }
}

/** Config lines are shown back to the user: short, and no control characters. */
function shorten(line: string): string {
  const clean = terminalText(line);
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}
