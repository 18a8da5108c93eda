import { ServiceError } from '@order-service/domain';

/** `REPLAY.INTERRUPTED`: the replay was asked to stop; the generation it built was dropped and the live cache is untouched. */
export class ReplayInterrupted extends ServiceError {
  constructor(message: string, options?: ErrorOptions) {
    super('REPLAY.INTERRUPTED', message, options);
  }
}
