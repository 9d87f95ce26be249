/** A JSON log line as a person reads it; anything that is not JSON passes through. */
export async function prettifier(color: boolean): Promise<(line: string) => string> {
  const { prettyFactory } = await import('pino-pretty');
  const pretty = prettyFactory({ colorize: color, translateTime: 'SYS:yyyy-mm-dd HH:MM:ss', ignore: 'pid,hostname' });
  return (line) => {
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    if (!text.startsWith('{')) return `${text}\n`;
    try {
      return pretty(JSON.parse(text) as object) ?? `${text}\n`;
    } catch {
      return `${text}\n`;
    }
  };
}
