/** Every path credd serves, named once: the server registers them, the CLI and doctor use them. */
export const ROUTES = {
  /** Container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI); `/PROFILE` pins one. */
  ecs: '/v1/credentials',
  /** A `credd exec` child's down-scoped slot: `/v1/credentials/PROFILE/scoped/LEASE` (see scopedEcsPath). */
  ecsScoped: '/v1/credentials/:profile/scoped/:lease',
  imdsToken: '/latest/api/token',
  imdsCredentials: '/latest/meta-data/iam/security-credentials',
  /** Control API, on the unix socket only. */
  control: {
    status: '/v1/status',
    switch: '/v1/switch',
    prime: '/v1/prime',
    credentials: '/v1/credentials',
    mfaSession: '/v1/mfa-session',
    mfa: '/v1/mfa',
    recheck: '/v1/recheck',
    clear: '/v1/clear',
    stop: '/v1/stop',
    tokenRotate: '/v1/token/rotate',
    secrets: '/v1/secrets',
    secretsProbe: '/v1/secrets/probe',
    keysAdd: '/v1/keys/add',
    keysRemove: '/v1/keys/remove',
    rotate: '/v1/rotate',
    unlock: '/v1/unlock',
    lock: '/v1/lock',
    /** `credd exec` with a scope: open a lease on a down-scoped slot, and end it. */
    scope: '/v1/scope',
    scopeRelease: '/v1/scope/release',
  },
} as const;

/** The ECS path for `profile`, or the one that follows `credd switch`. */
export function ecsPath(profile?: string): string {
  return profile === undefined ? ROUTES.ecs : `${ROUTES.ecs}/${encodeURIComponent(profile)}`;
}

/** The ECS path of one `credd exec` lease on a down-scoped slot of `profile`. */
export function scopedEcsPath(profile: string, lease: string): string {
  return `${ecsPath(profile)}/scoped/${encodeURIComponent(lease)}`;
}
