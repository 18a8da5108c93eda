/**
 * A token issuer for development and tests: it holds real signing keys (RS256
 * and ES256), publishes their public halves as a JWKS and signs OAuth 2.0
 * access tokens (JWT) carrying `sub`, `scope` and, for a customer, `customer_id`.
 * It is never part of a production deployment: the API refuses to start in
 * production while configured for it.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';

/** The issuer identifier (`iss`) of the development issuer; the API's default and what production refuses. */
export const DEV_ISSUER = 'urn:order-service:dev-issuer';
/** The audience (`aud`) the API expects by default. */
export const DEFAULT_AUDIENCE = 'order-service';
/** Every scope the API knows; a staff token has them all. */
export const ALL_SCOPES = ['orders:read', 'orders:write', 'orders:delete', 'orders:read:all', 'orders:write:all'] as const;
/** A customer's scopes: its own orders only. */
export const CUSTOMER_SCOPES = ['orders:read', 'orders:write', 'orders:delete'] as const;

export type SigningAlgorithm = 'RS256' | 'ES256';

interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/** A key as stored in a key file: the private JWK with its `kid` and `alg`. */
export type StoredKey = JWK & { kid: string; alg: SigningAlgorithm };

export interface TokenRequest {
  subject: string;
  scopes: readonly string[];
  customerId?: string;
  ttlSeconds?: number;
  /** Which key signs: the first key of this algorithm (RS256 by default). */
  alg?: SigningAlgorithm;
  /** Overrides for tests: another issuer or audience, a validity window in the past or future. */
  issuer?: string;
  audience?: string;
  notBefore?: number;
  issuedAt?: number;
}

export class TokenIssuer {
  private constructor(
    readonly issuer: string,
    readonly audience: string,
    private keys: SigningKey[],
  ) {}

  /** A new issuer with one fresh RS256 and one fresh ES256 key. */
  static async generate({ issuer = DEV_ISSUER, audience = DEFAULT_AUDIENCE }: { issuer?: string; audience?: string } = {}): Promise<TokenIssuer> {
    const issuerOf = new TokenIssuer(issuer, audience, []);
    await issuerOf.addKey('RS256');
    await issuerOf.addKey('ES256');
    return issuerOf;
  }

  /** An issuer from keys stored earlier (see exportKeys). */
  static async fromStoredKeys(stored: readonly StoredKey[], { issuer = DEV_ISSUER, audience = DEFAULT_AUDIENCE } = {}): Promise<TokenIssuer> {
    const keys = await Promise.all(
      stored.map(async (jwk) => ({
        kid: jwk.kid,
        alg: jwk.alg,
        privateKey: (await importJWK(jwk, jwk.alg)) as CryptoKey,
        publicJwk: publicHalf(jwk),
      })),
    );
    return new TokenIssuer(issuer, audience, keys);
  }

  /** Adds a key (a rotation: the newest key of an algorithm signs from now on); returns its kid. */
  async addKey(alg: SigningAlgorithm): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    this.keys = [{ kid, alg, privateKey, publicJwk }, ...this.keys];
    return kid;
  }

  /** The private keys, to store in a key file. */
  async exportKeys(): Promise<StoredKey[]> {
    return Promise.all(this.keys.map(async (key) => ({ ...(await exportJWK(key.privateKey)), kid: key.kid, alg: key.alg })));
  }

  /** The public keys as a JSON Web Key Set document. */
  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((key) => key.publicJwk) };
  }

  /** The public JWK of the key that signs with `alg`. */
  publicKey(alg: SigningAlgorithm = 'RS256'): JWK {
    return this.keyFor(alg).publicJwk;
  }

  async sign(request: TokenRequest): Promise<string> {
    const key = this.keyFor(request.alg ?? 'RS256');
    const now = request.issuedAt ?? Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ scope: request.scopes.join(' '), ...(request.customerId !== undefined && { customer_id: request.customerId }) })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(request.issuer ?? this.issuer)
      .setAudience(request.audience ?? this.audience)
      .setSubject(request.subject)
      .setIssuedAt(now)
      .setExpirationTime(now + (request.ttlSeconds ?? 3600))
      .setJti(randomUUID());
    if (request.notBefore !== undefined) jwt.setNotBefore(request.notBefore);
    return jwt.sign(key.privateKey);
  }

  private keyFor(alg: SigningAlgorithm): SigningKey {
    const key = this.keys.find((k) => k.alg === alg);
    if (!key) throw new Error(`the issuer holds no ${alg} key`);
    return key;
  }
}

function publicHalf(jwk: StoredKey): JWK {
  const { kty, crv, x, y, n, e, kid, alg } = jwk;
  return Object.fromEntries(Object.entries({ kty, crv, x, y, n, e, kid, alg, use: 'sig' }).filter(([, v]) => v !== undefined)) as JWK;
}
