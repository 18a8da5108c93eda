import type { RequestHandler } from 'express';
import { HttpProblem, problemTypes } from './problem.js';

/** Terminates a known route reached with a method it does not serve: 405 with `Allow`. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  const allow = [...new Set([...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])])].join(', ');
  return (req, _res, next) => {
    next(
      new HttpProblem(
        { type: problemTypes.methodNotAllowed, title: 'Method not allowed', status: 405, detail: `${req.method} is not served here; use ${allow}.` },
        { Allow: allow },
      ),
    );
  };
}
