// The client side of an emulator's admin API (`/__admin/<verb>`, JSON): one call per verb,
// errors thrown with the emulator's message.

export type AdminCall = <T>(verb: string, body?: object) => Promise<T>;

/** Connects to an emulator's admin API, checking that it answers. `what` names it in errors. */
export async function connectAdmin(what: string, url: string): Promise<AdminCall> {
  const base = url.replace(/\/+$/, '');
  const call: AdminCall = async <T>(verb: string, body?: object): Promise<T> => {
    const res = await fetch(`${base}/__admin/${verb}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw new Error(`${what} admin ${verb}: HTTP ${res.status}, not JSON (is the emulator started with the admin API?)`);
    }
    if (!res.ok) {
      const message = typeof payload === 'object' && payload !== null && 'error' in payload ? String(payload.error) : text;
      throw new Error(`${what} admin ${verb}: ${message}`);
    }
    return payload as T;
  };
  await call<{ ok: true }>('ping');
  return call;
}
