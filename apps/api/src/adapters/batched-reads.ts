/**
 * Gathers the reads by key that arrive within one turn of the event loop and
 * runs them as one call of `readMany` (one statement, one round trip), as
 * DataLoader does: under concurrent cache misses, the database and the driver
 * pay their per-statement cost (the protocol messages, the socket writes that
 * wake a backend, the executor's start) once per batch instead of once per
 * read. A lone read waits only for the end of the current turn
 * (setImmediate), no timer. Reads of one key in one batch share its answer.
 *
 * At most `maxInFlight` batches run at once: while they do, new reads gather
 * into the next batch, which goes as soon as one of them is answered. So the
 * busier the database, the fuller each statement, instead of every request
 * taking a connection of its own for a statement of one read.
 */
export class BatchedReads<T> {
  #pending = new Map<string, Array<{ resolve: (value: T | null) => void; reject: (error: unknown) => void }>>();
  #scheduled = false;
  #inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  /**
   * `readMany` answers the keys it finds (a key it leaves out reads as null);
   * a batch holds at most `maxBatch` distinct keys, a fuller one is sent at once
   * when a slot is free.
   */
  constructor(
    private readonly readMany: (keys: readonly string[]) => Promise<ReadonlyMap<string, T>>,
    { maxBatch = 64, maxInFlight = 4 }: { maxBatch?: number; maxInFlight?: number } = {},
  ) {
    this.maxBatch = maxBatch;
    this.maxInFlight = maxInFlight;
  }

  read(key: string): Promise<T | null> {
    return new Promise((resolve, reject) => {
      const waiting = this.#pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      if (this.#inFlight >= this.maxInFlight) return;
      if (this.#pending.size >= this.maxBatch) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#flush();
        });
      }
    });
  }

  #flush(): void {
    if (this.#pending.size === 0 || this.#inFlight >= this.maxInFlight) return;
    let batch = this.#pending;
    if (batch.size <= this.maxBatch) this.#pending = new Map();
    else {
      const keys = [...batch.keys()].slice(0, this.maxBatch);
      batch = new Map(keys.map((key) => [key, this.#pending.get(key) ?? []]));
      for (const key of keys) this.#pending.delete(key);
    }
    this.#inFlight += 1;
    this.readMany([...batch.keys()])
      .then(
        (found) => {
          for (const [key, waiting] of batch) for (const { resolve } of waiting) resolve(found.get(key) ?? null);
        },
        (error: unknown) => {
          for (const waiting of batch.values()) for (const { reject } of waiting) reject(error);
        },
      )
      .finally(() => {
        this.#inFlight -= 1;
        this.#flush();
      });
  }
}
