import type { ErrorRequestHandler } from 'express';
import { ServiceError } from '@order-service/domain';
import type { Logger } from '@order-service/runtime';
import { HttpProblem, problemTypes, sendProblem, type Problem } from './problem.js';
import { requestLogger } from './request-context.js';

/** An outage of a dependency: trying again later may succeed, and the error may say when. */
function isRetriable(error: unknown): error is ServiceError & { retryAfterSeconds?: number } {
  return error instanceof ServiceError && error.retriable;
}

/** body-parser reports its failures with a `type` and a status. */
function bodyParserProblem(error: { type?: string; status?: number; message?: string }): Problem | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return { type: problemTypes.malformedJson, title: 'Malformed JSON', status: 400, detail: 'The request body is not valid JSON.' };
    case 'entity.too.large':
      return { type: problemTypes.payloadTooLarge, title: 'Payload too large', status: 413, detail: 'The request body is larger than this server accepts.' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { type: problemTypes.unsupportedMediaType, title: 'Unsupported media type', status: 415, detail: error.message };
    case 'request.aborted':
      return { type: problemTypes.malformedJson, title: 'Request aborted', status: 400, detail: 'The client aborted the request body.' };
    default:
      return undefined;
  }
}

/**
 * The one place errors become HTTP answers. Client mistakes are logged at
 * debug, faults of the service's dependencies at warn, and anything unexpected
 * at error with its stack; the client never sees a stack trace.
 */
export function errorHandler(baseLogger: Logger, mapKnownError: (error: unknown) => HttpProblem | undefined): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const logger = requestLogger(res, baseLogger);
    if (res.headersSent) {
      logger.warn('error after the response started', { err: error });
      res.destroy();
      return;
    }
    if (error instanceof HttpProblem) {
      logger.debug('request refused', { status: error.problem.status, type: error.problem.type });
      sendProblem(res, error.problem, error.headers);
      return;
    }
    const known = mapKnownError(error);
    if (known) {
      logger.debug('request refused', { status: known.problem.status, code: (error as { code?: string }).code });
      sendProblem(res, known.problem, known.headers);
      return;
    }
    const parsed = typeof error === 'object' && error !== null ? bodyParserProblem(error as never) : undefined;
    if (parsed) {
      logger.debug('request body refused', { status: parsed.status });
      sendProblem(res, parsed);
      return;
    }
    if (isRetriable(error)) {
      logger.warn('dependency unavailable', { err: error.message });
      sendProblem(
        res,
        {
          type: problemTypes.unavailable,
          title: 'Service unavailable',
          status: 503,
          detail: 'A dependency of this service is unavailable; try again shortly.',
        },
        { 'Retry-After': String(error.retryAfterSeconds ?? 2) },
      );
      return;
    }
    logger.error('unexpected error', { err: error instanceof Error ? { message: error.message, stack: error.stack } : error });
    sendProblem(res, {
      type: problemTypes.internal,
      title: 'Internal server error',
      status: 500,
      detail: 'An unexpected error occurred; quote the request_id when reporting it.',
    });
  };
}
