import type { RequestHandler, Response } from 'express';
import { scopes, type Principal } from '../../use-cases/principal.js';
import { HttpProblem, problemTypes } from '../problem.js';
import type { BearerTokenVerifier, VerifiedToken } from './bearer-token-verifier.js';

/** What the edge learnt about the request's credentials, kept in `res.locals.auth`. */
export type Authentication = { kind: 'principal'; principal: Principal } | { kind: 'none' } | { kind: 'invalid'; reason: string };

const REALM = 'order-service';
/** RFC 6750 section 2.1: the scheme, one space, then the token in the b64token alphabet. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export function authenticationOf(res: Response): Authentication {
  return (res.locals.auth as Authentication | undefined) ?? { kind: 'none' };
}

/** The principal of a request that passed requireScope. */
export function principalOf(res: Response): Principal {
  const auth = authenticationOf(res);
  if (auth.kind !== 'principal') throw new Error('principalOf called on an unauthenticated request');
  return auth.principal;
}

/** The 401 of RFC 6750 section 3: no error attribute when no credentials came. */
export function unauthorized(auth: Exclude<Authentication, { kind: 'principal' }>): HttpProblem {
  const challenge =
    auth.kind === 'none'
      ? `Bearer realm="${REALM}"`
      : `Bearer realm="${REALM}", error="invalid_token", error_description="${auth.reason.replace(/["\\]/g, '')}"`;
  return new HttpProblem(
    {
      type: problemTypes.unauthorized,
      title: 'Unauthorized',
      status: 401,
      detail: auth.kind === 'none' ? 'Send an access token: Authorization: Bearer <token>.' : `The access token is refused: ${auth.reason}.`,
    },
    { 'WWW-Authenticate': challenge },
  );
}

export function insufficientScope(scope: string): HttpProblem {
  return new HttpProblem(
    { type: problemTypes.insufficientScope, title: 'Forbidden', status: 403, detail: `The access token lacks the scope ${scope}.`, scope },
    { 'WWW-Authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"` },
  );
}

/** The last token a connection presented, as its Authorization header, with what it resolved to. */
interface ConnectionToken {
  readonly header: string;
  readonly expiresAtMs: number;
  readonly auth: Authentication & { kind: 'principal' };
}

/**
 * Resolves who is asking from the Authorization header into `res.locals.auth`,
 * refusing nothing yet: the rate limiter that follows counts requests without
 * a valid token by address. A token verified earlier is resolved without a
 * promise (most requests of a client reuse its token), and the last valid
 * token of each connection is remembered with it until the token expires: a
 * request repeating its connection's header costs one string comparison (no
 * parsing, no lookup keyed by the whole token). Another header on the same
 * connection (a load balancer's, carrying many clients) is resolved afresh.
 */
export function authenticate(verifier: BearerTokenVerifier): RequestHandler {
  const lastOnConnection = new WeakMap<object, ConnectionToken>();
  const remember = (socket: object, header: string, { principal, expiresAtMs }: VerifiedToken): Authentication => {
    const auth = { kind: 'principal', principal } as const;
    lastOnConnection.set(socket, { header, expiresAtMs, auth });
    return auth;
  };
  return (req, res, next) => {
    const header = req.headers.authorization;
    if (header === undefined) {
      res.locals.auth = { kind: 'none' } satisfies Authentication;
      next();
      return;
    }
    const last = lastOnConnection.get(req.socket);
    if (last !== undefined && last.header === header && Date.now() < last.expiresAtMs) {
      res.locals.auth = last.auth;
      next();
      return;
    }
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) {
      res.locals.auth = { kind: 'invalid', reason: 'the Authorization header is not a bearer token' } satisfies Authentication;
      next();
      return;
    }
    const cached = verifier.cached(token);
    if (cached !== undefined) {
      res.locals.auth = remember(req.socket, header, cached);
      next();
      return;
    }
    verifier.verify(token).then((verification) => {
      res.locals.auth = verification.ok
        ? remember(req.socket, header, verification)
        : ({ kind: 'invalid', reason: verification.reason } satisfies Authentication);
      next();
    }, next);
  };
}

/** Lets the request on only with a valid token carrying `scope`: 401 without one, 403 without the scope. */
export function requireScope(scope: string): RequestHandler {
  return (_req, res, next) => {
    const auth = authenticationOf(res);
    if (auth.kind !== 'principal') next(unauthorized(auth));
    else if (!auth.principal.scopes.has(scope)) next(insufficientScope(scope));
    else next();
  };
}

/** With AUTH_REQUIRED=false: every request acts as staff with every scope (never in production; see config.ts). */
export function actAsStaff(): RequestHandler {
  const auth: Authentication = {
    kind: 'principal',
    principal: { subject: 'anonymous', customerId: null, scopes: new Set(Object.values(scopes)) },
  };
  return (_req, res, next) => {
    res.locals.auth = auth;
    next();
  };
}
