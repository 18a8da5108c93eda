/** Base of the errors a cache replay raises; `code` is stable and safe to branch on. */
export class ReplayError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** `REPLAY.INTERRUPTED`: the replay was asked to stop; the generation it built was dropped and the live cache is untouched. */
export class ReplayInterrupted extends ReplayError {
  constructor(message: string, options?: ErrorOptions) {
    super('REPLAY.INTERRUPTED', message, options);
  }
}
