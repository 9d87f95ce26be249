import { GetRoleCredentialsCommand, LogoutCommand, SSOClient } from '@aws-sdk/client-sso';
import { CreateTokenCommand, RegisterClientCommand, SSOOIDCClient, StartDeviceAuthorizationCommand } from '@aws-sdk/client-sso-oidc';
import type { TemporaryCredentials } from '../domain/credentials.js';
import { awsRequestHandler } from './aws-http.js';

/** Endpoint overrides the way the SDKs read them (tests point these at an emulator). */
export function ssoEndpoints(env: NodeJS.ProcessEnv): { oidc?: string; portal?: string } {
  const oidc = env['AWS_ENDPOINT_URL_SSO_OIDC'] || env['AWS_ENDPOINT_URL'] || undefined;
  const portal = env['AWS_ENDPOINT_URL_SSO'] || env['AWS_ENDPOINT_URL'] || undefined;
  return { ...(oidc !== undefined && { oidc }), ...(portal !== undefined && { portal }) };
}

// Calls carry tokens, not SigV4: the clients get dummy-free config with no credential chain.
export function oidcClient(region: string, env: NodeJS.ProcessEnv): SSOOIDCClient {
  const { oidc } = ssoEndpoints(env);
  return new SSOOIDCClient({ region, ...(oidc !== undefined && { endpoint: oidc }), maxAttempts: 2, requestHandler: awsRequestHandler({ env }) });
}

export function portalClient(region: string, env: NodeJS.ProcessEnv): SSOClient {
  const { portal } = ssoEndpoints(env);
  return new SSOClient({ region, ...(portal !== undefined && { endpoint: portal }), maxAttempts: 2, requestHandler: awsRequestHandler({ env }) });
}

export interface RoleCredentialsRequest {
  region: string;
  accessToken: string;
  accountId: string;
  roleName: string;
}

export async function getRoleCredentials(env: NodeJS.ProcessEnv, { region, accessToken, accountId, roleName }: RoleCredentialsRequest): Promise<TemporaryCredentials> {
  const out = await portalClient(region, env).send(new GetRoleCredentialsCommand({ accessToken, accountId, roleName }));
  const c = out.roleCredentials;
  if (!c?.accessKeyId || !c.secretAccessKey || !c.sessionToken || c.expiration === undefined) {
    throw new Error('GetRoleCredentials answered without complete credentials.');
  }
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: new Date(c.expiration), accountId };
}

export async function logout(region: string, env: NodeJS.ProcessEnv, accessToken: string): Promise<void> {
  await portalClient(region, env).send(new LogoutCommand({ accessToken }));
}

export async function registerClient(region: string, env: NodeJS.ProcessEnv, scopes: string[] | undefined) {
  return oidcClient(region, env).send(new RegisterClientCommand({ clientName: 'credd', clientType: 'public', ...(scopes && { scopes }) }));
}

export async function startDeviceAuthorization(region: string, env: NodeJS.ProcessEnv, clientId: string, clientSecret: string, startUrl: string) {
  return oidcClient(region, env).send(new StartDeviceAuthorizationCommand({ clientId, clientSecret, startUrl }));
}

export async function createToken(
  region: string,
  env: NodeJS.ProcessEnv,
  input: { clientId: string; clientSecret: string } & ({ deviceCode: string } | { refreshToken: string }),
) {
  const grant =
    'deviceCode' in input
      ? { grantType: 'urn:ietf:params:oauth:grant-type:device_code', deviceCode: input.deviceCode }
      : { grantType: 'refresh_token', refreshToken: input.refreshToken };
  return oidcClient(region, env).send(new CreateTokenCommand({ clientId: input.clientId, clientSecret: input.clientSecret, ...grant }));
}
