/**
 * The token issuer every test talks to: real RS256 and ES256 keys generated
 * per run, their JWKS served on loopback, started on first use and closed by
 * the root hooks. APIs started by the harness trust it, and the harness's
 * requests carry its staff token unless a test says otherwise.
 */
import { ALL_SCOPES, serveIssuer, TokenIssuer, type RunningIssuer, type TokenRequest } from '@order-service/dev-issuer';

export interface TestIssuer {
  issuer: TokenIssuer;
  server: RunningIssuer;
  /** A staff token with every scope, valid for the whole run. */
  staffToken: string;
  /** Signs a token; subject and scopes default to a staff token's. */
  token(request?: Partial<TokenRequest>): Promise<string>;
  /** The API environment that trusts this issuer. */
  apiEnv: Record<string, string>;
}

let started: Promise<TestIssuer> | undefined;

export function testIssuer(): Promise<TestIssuer> {
  started ??= (async () => {
    const issuer = await TokenIssuer.generate();
    // The web page test signs in from the API's origin, on a port picked at random.
    const server = await serveIssuer(issuer, { allowOrigin: (origin) => /^http:\/\/127\.0\.0\.1:\d+$/.test(origin) });
    const token = (request: Partial<TokenRequest> = {}): Promise<string> =>
      issuer.sign({ subject: 'staff:test', scopes: ALL_SCOPES, ttlSeconds: 4 * 3600, ...request });
    return {
      issuer,
      server,
      staffToken: await token(),
      token,
      apiEnv: { AUTH_ISSUER: issuer.issuer, AUTH_AUDIENCE: issuer.audience, AUTH_JWKS_URL: server.jwksUrl },
    };
  })();
  return started;
}

/** Closes the issuer if a test started it (root hook). */
export async function closeTestIssuer(): Promise<void> {
  if (!started) return;
  const running = await started;
  started = undefined;
  await running.server.close();
}
