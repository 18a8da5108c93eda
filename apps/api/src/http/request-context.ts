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
    res.locals.logger = logger.child({ request_id: requestId });
    res.set('X-Request-Id', requestId);
    next();
  };
}
