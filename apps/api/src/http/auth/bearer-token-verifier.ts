import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { ServiceError } from '@order-service/domain';
import type { Principal } from '../../use-cases/principal.js';

export interface BearerTokenVerifierOptions {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** Least time between two JWKS fetches caused by tokens naming an unknown `kid`. */
  jwksCooldownMs: number;
  /** Most verified tokens remembered. */
  cacheMaxEntries: number;
}

/** A token that passed verification: who it names, and until when it may be taken at its word (its `exp`). */
export interface VerifiedToken {
  readonly principal: Principal;
  readonly expiresAtMs: number;
}

/** The outcome of verifying a token: its principal, or why it is refused (the text goes to `error_description`). */
export type Verification = ({ ok: true } & VerifiedToken) | { ok: false; reason: string };

/** `AUTH.KEY_SET_UNAVAILABLE`: the issuer's keys could not be fetched; not the token's fault, so the client may retry. */
export class KeySetUnavailable extends ServiceError {
  constructor(cause: unknown) {
    super('AUTH.KEY_SET_UNAVAILABLE', "the token issuer's keys could not be fetched", { cause, retriable: true });
  }
}

/** Algorithms accepted: asymmetric only, so `none` and HS256 signed with a public key are refused. */
const ALGORITHMS = ['RS256', 'ES256'];

function principalOf(payload: JWTPayload): Principal | string {
  if (typeof payload.sub !== 'string' || payload.sub === '') return 'the token has no subject';
  const scope = payload.scope;
  if (scope !== undefined && typeof scope !== 'string') return "the token's scope is not a string";
  const customerId = payload.customer_id;
  if (customerId !== undefined && (typeof customerId !== 'string' || customerId === '')) return "the token's customer_id is not a string";
  return { subject: payload.sub, customerId: customerId ?? null, scopes: new Set((scope ?? '').split(' ').filter(Boolean)) };
}

/**
 * Verifies OAuth 2.0 bearer tokens (JWT access tokens) against the issuer's
 * JWKS: signature (RS256/ES256), issuer, audience, expiry and not-before.
 * The key set is fetched once and kept; a token naming an unknown `kid` (a
 * rotated key) fetches it again, at most once per cooldown. A verified token
 * is remembered until it expires, so a client reusing its token pays the
 * signature check once: `cached` answers those synchronously.
 */
export class BearerTokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  private readonly verified: LRUCache<string, VerifiedToken>;

  constructor(private readonly options: BearerTokenVerifierOptions) {
    this.keys = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: options.jwksCooldownMs, timeoutDuration: 5_000 });
    this.verified = new LRUCache<string, VerifiedToken>({ max: options.cacheMaxEntries });
  }

  /** A token verified earlier and not yet expired; undefined when it must be verified. */
  cached(token: string): VerifiedToken | undefined {
    return this.verified.get(token);
  }

  async verify(token: string): Promise<Verification> {
    const cached = this.verified.get(token);
    if (cached) return { ok: true, ...cached };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, { issuer: this.options.issuer, audience: this.options.audience, algorithms: ALGORITHMS }));
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError))
        throw new KeySetUnavailable(error);
      return { ok: false, reason: reasonOf(error) };
    }
    const principal = principalOf(payload);
    if (typeof principal === 'string') return { ok: false, reason: principal };
    if (payload.exp === undefined) return { ok: false, reason: 'the token has no expiry' };
    const expiresAtMs = payload.exp * 1000;
    const ttl = expiresAtMs - Date.now();
    if (ttl > 0) this.verified.set(token, { principal, expiresAtMs }, { ttl });
    return { ok: true, principal, expiresAtMs };
  }
}

function reasonOf(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'the token is not valid yet';
    return `the token's ${error.claim} claim is not accepted`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's signing algorithm is not accepted";
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token is signed with a key the issuer does not publish';
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature is not valid";
  return 'the token is malformed';
}
