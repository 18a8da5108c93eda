import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The security headers. Every answer carries the set the OWASP REST Security
 * Cheat Sheet asks of an API: HSTS, `nosniff`, a Content-Security-Policy that
 * lets a JSON answer load nothing and be framed nowhere, X-Frame-Options and
 * Cross-Origin-Resource-Policy. The documents (the web page, /docs and the
 * files they load) carry helmet's whole set over it (see webRoutes), with a
 * policy for their scripts: these load scripts and fetch only from this server
 * (and, in development, the issuer's sign-in), so the policy has no inline
 * script; Swagger UI sets inline styles and data: images. The headers a
 * browser reads only on a document (opener and referrer policies, agent
 * cluster, the legacy X-DNS-Prefetch-Control, X-Download-Options,
 * X-Permitted-Cross-Domain-Policies and X-XSS-Protection) are not sent with
 * every order: each header is a measurable share of a cached read.
 *
 * The headers are the same for every request, so helmet runs once, at start,
 * and each request gets the headers it set in one middleware instead of
 * helmet's chain of a dozen.
 */
export function apiSecurityHeaders(): RequestHandler {
  const headers = staticHeadersOf(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
      crossOriginOpenerPolicy: false,
      crossOriginResourcePolicy: { policy: 'same-origin' },
      originAgentCluster: false,
      referrerPolicy: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xFrameOptions: { action: 'deny' },
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
    }),
  );
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/** helmet's whole set for the documents, with their Content-Security-Policy: set over the API's by webRoutes. */
export function documentSecurityHeaders({ devSignInUrl }: { devSignInUrl: string }): Record<string, string> {
  return Object.fromEntries(
    staticHeadersOf(
      helmet({
        contentSecurityPolicy: {
          useDefaults: false,
          directives: {
            defaultSrc: ["'self'"],
            scriptSrc: ["'self'"],
            scriptSrcAttr: ["'none'"],
            styleSrc: ["'self'", "'unsafe-inline'"],
            imgSrc: ["'self'", 'data:'],
            fontSrc: ["'self'"],
            connectSrc: ["'self'", ...(devSignInUrl ? [new URL(devSignInUrl).origin] : [])],
            objectSrc: ["'none'"],
            baseUri: ["'none'"],
            formAction: ["'self'"],
            frameAncestors: ["'none'"],
          },
        },
        xFrameOptions: { action: 'deny' },
      }),
    ),
  );
}

/**
 * The headers a middleware that sets only fixed headers (helmet with no
 * per-request directive) sets, recorded by running it once against a stand-in
 * response. Throws if it did not finish at once, or failed.
 */
export function staticHeadersOf(middleware: RequestHandler): Array<[string, string]> {
  const headers = new Map<string, string>();
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name, Array.isArray(value) ? value.join(', ') : String(value));
      return response;
    },
    removeHeader(name: string) {
      headers.delete(name);
    },
  };
  let finished = false;
  middleware({} as Parameters<RequestHandler>[0], response as unknown as Parameters<RequestHandler>[1], (error?: unknown) => {
    if (error !== undefined) throw error instanceof Error ? error : new Error(String(error));
    finished = true;
  });
  if (!finished) throw new Error('the security headers middleware did not finish synchronously');
  return [...headers];
}

/** CORS, closed unless CORS_ORIGINS names origins: then their pages may send the API's own headers and read its answers'. */
export function corsPolicy(origins: readonly string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  return cors({
    origin: [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match', 'If-None-Match', 'If-Modified-Since', 'X-Request-Id'],
    exposedHeaders: [
      'ETag',
      'Last-Modified',
      'Location',
      'Cache-Status',
      'Idempotent-Replayed',
      'Retry-After',
      'RateLimit',
      'RateLimit-Policy',
      'WWW-Authenticate',
      'X-Request-Id',
    ],
    maxAge: 600,
  });
}

/** TRUST_PROXY as express's `trust proxy`: false when empty; never `true`, which would believe any client's X-Forwarded-For. */
export function trustProxySetting(value: string): false | string[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.some((name) => name === 'true' || name === '*')) throw new Error('TRUST_PROXY must name the load balancers, not trust every address');
  return names.length === 0 ? false : names;
}
