// Typed reads of an emulator admin request's JSON body: a wrong type is a 400 with the key's
// name, and null means "not given" (JSON has no undefined).

export type AdminBody = Record<string, unknown>;

function absent(body: AdminBody, key: string): boolean {
  return body[key] === undefined || body[key] === null;
}

export const field = {
  str(body: AdminBody, key: string): string {
    const v = body[key];
    if (typeof v !== 'string') throw new Error(`"${key}" must be a string`);
    return v;
  },
  optStr(body: AdminBody, key: string): string | undefined {
    return absent(body, key) ? undefined : field.str(body, key);
  },
  num(body: AdminBody, key: string): number {
    const v = body[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`"${key}" must be a number`);
    return v;
  },
  optNum(body: AdminBody, key: string): number | undefined {
    return absent(body, key) ? undefined : field.num(body, key);
  },
  optStrings(body: AdminBody, key: string): string[] | undefined {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`"${key}" must be an array of strings`);
    return v as string[];
  },
  optBool(body: AdminBody, key: string): boolean | undefined {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw new Error(`"${key}" must be a boolean`);
    return v;
  },
  /** `fault`: null to clear, else an object with a `kind` (the emulator checks the rest). */
  fault<F extends { kind: string }>(body: AdminBody): F | null {
    const fault = absent(body, 'fault') ? null : (body['fault'] as F);
    if (fault !== null && (typeof fault !== 'object' || typeof fault.kind !== 'string')) throw new Error('"fault" must be null or {kind, ...}');
    return fault;
  },
  /** Drops undefined members so optional properties stay absent (exactOptionalPropertyTypes). */
  defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
  },
};
