import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '@order-service/runtime';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Gives every request an id (the client's `X-Request-Id` when it is sane) that
 * is echoed in the response, carried in every log line the request causes, and
 * stored with the events it produces.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const offered = req.get('x-request-id');
    const requestId = offered && REQUEST_ID.test(offered) ? offered : randomUUID();
    res.locals.requestId = requestId;
    // Built on first use: most requests log nothing, and a child logger per request is
    // a measurable share of a cached read.
    let child: Logger | undefined;
    Object.defineProperty(res.locals, 'logger', { get: () => (child ??= logger.child({ request_id: requestId })), enumerable: true });
    res.setHeader('X-Request-Id', requestId);
    next();
  };
}
