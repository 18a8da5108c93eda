/**
 * Gathers the reads by key that arrive within one turn of the event loop and
 * runs them as one call of `readMany` (one statement, one round trip), as
 * DataLoader does: under concurrent cache misses, the database and the driver
 * pay their per-statement cost (the protocol messages, the socket writes that
 * wake a backend, the executor's start) once per batch instead of once per
 * read. A lone read waits only for the end of the current turn
 * (setImmediate), no timer. Reads of one key in one batch share its answer.
 */
export class BatchedReads<T> {
  #pending = new Map<string, Array<{ resolve: (value: T | null) => void; reject: (error: unknown) => void }>>();
  #scheduled = false;

  /**
   * `readMany` answers the keys it finds (a key it leaves out reads as null);
   * a batch holds at most `maxBatch` distinct keys, a fuller one is sent at once.
   */
  constructor(
    private readonly readMany: (keys: readonly string[]) => Promise<ReadonlyMap<string, T>>,
    private readonly maxBatch = 64,
  ) {}

  read(key: string): Promise<T | null> {
    return new Promise((resolve, reject) => {
      const waiting = this.#pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      if (this.#pending.size >= this.maxBatch) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    if (batch.size === 0) return;
    this.#pending = new Map();
    this.readMany([...batch.keys()]).then(
      (found) => {
        for (const [key, waiting] of batch) for (const { resolve } of waiting) resolve(found.get(key) ?? null);
      },
      (error: unknown) => {
        for (const waiting of batch.values()) for (const { reject } of waiting) reject(error);
      },
    );
  }
}
