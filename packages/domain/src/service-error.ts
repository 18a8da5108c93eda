export interface ServiceErrorOptions extends ErrorOptions {
  /** Whether the same call may succeed if tried again later. Default false. */
  retriable?: boolean;
}

/**
 * The root of every error the service raises, in every package and app. Each
 * error is a one-line subclass naming its `code`: stable, dotted
 * (`ORDER.NOT_FOUND`) and safe to branch on and to show clients; the message
 * is for people and may change. `retriable` says whether trying again later
 * may succeed (an outage) or will fail the same way (a bug, bad input).
 * It lives in the domain, the one package every other may import.
 */
export class ServiceError extends Error {
  readonly retriable: boolean;

  constructor(
    readonly code: string,
    message: string,
    options: ServiceErrorOptions = {},
  ) {
    const { retriable = false, ...errorOptions } = options;
    super(message, errorOptions);
    this.name = new.target.name;
    this.retriable = retriable;
  }
}
