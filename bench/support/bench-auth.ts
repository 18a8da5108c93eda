/**
 * The suite's token issuer: real keys, a JWKS on loopback, trusted by every API
 * the suite starts, and one staff token that every request carries (as a real
 * client reuses its token until it expires).
 */
import { randomBytes } from 'node:crypto';
import { ALL_SCOPES, serveIssuer, TokenIssuer, type RunningIssuer } from '@order-service/dev-issuer';

export interface BenchAuth {
  issuer: TokenIssuer;
  server: RunningIssuer;
  /** What an API needs to trust the issuer in production mode (and a cursor secret that is not the default). */
  apiEnv: Record<string, string>;
  /** A staff token with every scope, valid for the whole run. */
  token: string;
}

let current: BenchAuth | undefined;

export async function startBenchAuth(): Promise<BenchAuth> {
  const issuer = await TokenIssuer.generate({ issuer: 'https://bench-issuer.invalid' });
  const server = await serveIssuer(issuer);
  current = {
    issuer,
    server,
    apiEnv: { AUTH_ISSUER: issuer.issuer, AUTH_AUDIENCE: issuer.audience, AUTH_JWKS_URL: server.jwksUrl, CURSOR_SECRET: randomBytes(24).toString('base64url') },
    token: await issuer.sign({ subject: 'staff:bench', scopes: ALL_SCOPES, ttlSeconds: 24 * 3600 }),
  };
  return current;
}

/** The running suite's auth; the context starts it before any row. */
export function benchAuth(): BenchAuth {
  if (!current) throw new Error('the bench token issuer is not started (BenchContext.open starts it)');
  return current;
}

/** The Authorization header of the suite's staff token. */
export function authorizationHeader(): { authorization: string } {
  return { authorization: `Bearer ${benchAuth().token}` };
}
