import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Logger } from '@order-service/runtime';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Gives the request an id (the client's `X-Request-Id` when it is sane) that
 * is echoed in the response, carried in every log line the request causes
 * (see requestLogger), and stored with the events it produces.
 */
export function assignRequestId(req: Request, res: Response): void {
  const offered = req.headers['x-request-id'];
  const requestId = typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
  res.locals.requestId = requestId;
  res.setHeader('X-Request-Id', requestId);
}

/**
 * The logger of the request `res` answers: `base` with the request's id. Made
 * on first use, since most requests log nothing and a child logger per
 * request is a measurable share of a cached read.
 */
export function requestLogger(res: Response, base: Logger): Logger {
  const locals = res.locals as { requestId?: string; logger?: Logger };
  if (locals.requestId === undefined) return base;
  return (locals.logger ??= base.child({ request_id: locals.requestId }));
}
