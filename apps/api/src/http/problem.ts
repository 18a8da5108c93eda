import type { Response } from 'express';

/** A field a client got wrong: a JSON Pointer into the body or query, and what is wrong with it. */
export interface FieldError {
  path: string;
  message: string;
}

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  request_id?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types this API answers with; each is documented in the OpenAPI document. */
export const problemTypes = {
  validation: '/problems/validation-failed',
  malformedJson: '/problems/malformed-json',
  unsupportedMediaType: '/problems/unsupported-media-type',
  payloadTooLarge: '/problems/payload-too-large',
  notFound: '/problems/not-found',
  methodNotAllowed: '/problems/method-not-allowed',
  alreadyExists: '/problems/already-exists',
  preconditionFailed: '/problems/precondition-failed',
  idempotencyConflict: '/problems/idempotency-key-conflict',
  idempotencyInFlight: '/problems/idempotency-key-in-flight',
  unauthorized: '/problems/unauthorized',
  insufficientScope: '/problems/insufficient-scope',
  tooManyRequests: '/problems/too-many-requests',
  unavailable: '/problems/service-unavailable',
  internal: '/problems/internal-error',
} as const;

/** An error that already knows the HTTP answer it deserves. */
export class HttpProblem extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail ?? problem.title);
    this.name = 'HttpProblem';
  }
}

export function sendProblem(res: Response, problem: Problem, headers: Record<string, string> = {}): void {
  const requestId = res.locals.requestId as string | undefined;
  res.status(problem.status).set(headers).type(PROBLEM_CONTENT_TYPE);
  res.send(JSON.stringify(requestId ? { ...problem, request_id: requestId } : problem));
}

export function validationProblem(errors: FieldError[], detail = 'The request has invalid fields.'): HttpProblem {
  return new HttpProblem({ type: problemTypes.validation, title: 'Validation failed', status: 422, detail, errors });
}
