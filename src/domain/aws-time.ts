/** `YYYY-MM-DDTHH:MM:SSZ`: UTC without milliseconds, the only shape every SDK parses. */
export function awsTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
