import express, { type RequestHandler } from 'express';
import { HttpProblem, problemTypes, validationProblem } from './problem.js';
import { prototypeKeyErrors } from './prototype-keys.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * Parses JSON bodies of writes, refusing any other media type with 415 rather
 * than silently treating the body as empty, and any `__proto__`, `constructor`
 * or `prototype` key anywhere with 422 naming its path: the one place bodies
 * are parsed, so no later merge can reach a prototype.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (!['POST', 'PUT', 'PATCH'].includes(req.method) || !hasBody || req.is(JSON_TYPES)) {
      next();
      return;
    }
    next(
      new HttpProblem({
        type: problemTypes.unsupportedMediaType,
        title: 'Unsupported media type',
        status: 415,
        detail: `Send the body as application/json, not ${req.get('content-type') ?? 'an unlabelled body'}.`,
      }),
    );
  };
  const refusePrototypeKeys: RequestHandler = (req, _res, next) => {
    const errors = prototypeKeyErrors(req.body);
    next(errors.length ? validationProblem(errors, 'The body has keys that are not allowed.') : undefined);
  };
  return [requireJson, express.json({ limit: limitBytes, strict: false, type: JSON_TYPES }), refusePrototypeKeys];
}
