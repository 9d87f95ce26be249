import { terminalText } from '../platform/terminal-text.js';

/**
 * A JSON log line as a person reads it; anything that is not JSON passes through. Every string
 * in the line is escaped first (a logged profile name, STS message or client command line may
 * carry controls), so with `color` the only escape sequences are pino-pretty's own.
 */
export async function prettifier(color: boolean): Promise<(line: string) => string> {
  const { prettyFactory } = await import('pino-pretty');
  const pretty = prettyFactory({ colorize: color, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss', ignore: 'pid,hostname' });
  return (line) => {
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    if (!text.startsWith('{')) return `${terminalText(text)}\n`;
    try {
      return pretty(escaped(JSON.parse(text)) as object) ?? `${terminalText(text)}\n`;
    } catch {
      return `${terminalText(text)}\n`;
    }
  };
}

/** Strings escaped whole, keys too; a stack trace keeps its line breaks. */
function escaped(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return terminalText(value, key === 'stack' ? 'lines' : 'nothing');
  if (Array.isArray(value)) return value.map((v) => escaped(v));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [terminalText(k), escaped(v, k)]));
  return value;
}
