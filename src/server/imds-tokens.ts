import { randomBytes } from 'node:crypto';

/** IMDSv2 session tokens: random, expiring, and bounded in number so floods cannot grow memory. */
export class ImdsTokens {
  private readonly tokens = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    private readonly maxTokens = 10_000,
  ) {}

  issue(ttlSeconds: number): string {
    if (this.tokens.size >= this.maxTokens) this.evict();
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, this.now() + ttlSeconds * 1000);
    return token;
  }

  valid(token: string | undefined): boolean {
    if (token === undefined) return false;
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined) return false;
    if (expiresAt <= this.now()) {
      this.tokens.delete(token);
      return false;
    }
    return true;
  }

  get size(): number {
    return this.tokens.size;
  }

  /** Drops expired tokens, then the oldest quarter if still full (Map keeps insertion order). */
  private evict(): void {
    const now = this.now();
    for (const [t, exp] of this.tokens) if (exp <= now) this.tokens.delete(t);
    if (this.tokens.size < this.maxTokens) return;
    let drop = Math.ceil(this.maxTokens / 4);
    for (const t of this.tokens.keys()) {
      if (drop-- <= 0) break;
      this.tokens.delete(t);
    }
  }
}
