import type { RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type Store } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import type { RedisConnection } from '@order-service/projection';
import { errorFields, type Logger } from '@order-service/runtime';
import { HttpProblem, problemTypes } from '../problem.js';
import { authenticationOf } from './authenticate.js';

export interface RateLimitOptions {
  windowMs: number;
  /** Requests one token subject may make per window; 0 for no limit. */
  perSubject: number;
  /** Requests one client address may make per window without a valid token; 0 for no limit. */
  perAddress: number;
  /** Shares the counts with every replica; absent, each process counts alone. */
  redis?: { commands: ReturnType<RedisConnection['rateLimitCommands']>; keyPrefix: string };
  /** Where a failing store is reported (the requests then pass unlimited). */
  logger: Logger;
}

function sharedStore(commands: ReturnType<RedisConnection['rateLimitCommands']>, keyPrefix: string): Store {
  // One key per count, so each script call stays in one hash slot of a cluster.
  const store = new RedisStore({ prefix: `${keyPrefix}:rate-limit:`, ...commands });
  // The store loads its Lua scripts at once, usually before Redis is connected, and again on the
  // first count that fails; that first failure is expected and must not become an unhandled rejection.
  for (const script of [store.incrementScriptSha, store.getScriptSha]) script.catch(() => undefined);
  return store;
}

/**
 * Limits requests per authenticated subject, and per client address for those
 * without a valid token (runs after authenticate, before the token is judged,
 * so refused tokens count against their address). Answers 429 problem+json
 * with Retry-After and the IETF draft RateLimit and RateLimit-Policy headers.
 * Counts live in Redis when given, so every replica shares them; if Redis
 * fails, requests pass (the limit is a guard, not a dependency).
 *
 * Undefined when both limits are 0: nothing to install. A request whose own
 * limit is 0 passes at once, synchronously: the library's middleware is
 * asynchronous throughout (and reads `req.ip` for its debug log even when it
 * then skips), a measurable share of a cached read.
 */
export function rateLimiter({ windowMs, perSubject, perAddress, redis, logger }: RateLimitOptions): RequestHandler | undefined {
  if (perSubject === 0 && perAddress === 0) return undefined;
  const subjectOf = (res: Parameters<RequestHandler>[1]): string | undefined => {
    const auth = authenticationOf(res);
    return auth.kind === 'principal' ? auth.principal.subject : undefined;
  };
  const limitOf = (res: Parameters<RequestHandler>[1]): number => (subjectOf(res) === undefined ? perAddress : perSubject);
  const limited = rateLimit({
    windowMs,
    limit: (_req, res) => limitOf(res),
    keyGenerator: (req, res) => {
      const subject = subjectOf(res);
      return subject === undefined ? `address:${ipKeyGenerator(req.ip ?? 'unknown')}` : `subject:${subject}`;
    },
    identifier: (_req, res) => (subjectOf(res) === undefined ? 'per-address' : 'per-subject'),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    passOnStoreError: true,
    store: redis ? sharedStore(redis.commands, redis.keyPrefix) : new MemoryStore(),
    logger: {
      warn: (error: unknown) => logger.warn('rate limit', { err: errorFields(error) }),
      error: (error: unknown) => logger.warn('rate limit store failing: requests pass unlimited', { err: errorFields(error) }),
    },
    // TRUST_PROXY decides what req.ip is; the library's own X-Forwarded-For warning would only repeat it.
    validate: { xForwardedForHeader: false },
    handler: (_req, res, next) => {
      next(
        new HttpProblem({
          type: problemTypes.tooManyRequests,
          title: 'Too many requests',
          status: 429,
          detail: `Too many requests; retry in ${String(res.getHeader('Retry-After') ?? '')} s.`,
        }),
      );
    },
  });
  return (req, res, next) => {
    if (limitOf(res) === 0) next();
    else void limited(req, res, next);
  };
}
