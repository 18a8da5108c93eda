import type { OrderEvent } from '@order-service/contracts';
import { ErrorReply } from 'redis';
import { GenerationConflict, ProjectionStoreRejected } from './projection-errors.js';
import { toProjectionWrite } from './projection.js';
import type { ApplyOutcome, CachedOrder, ProjectionStore, ProjectionWrite } from './projection-store.js';
import { parseInteger, parseList, parseOutcomes, parseText, translateError, unexpectedReply } from './redis-replies.js';
import {
  ABORT_GENERATION,
  APPLY_WRITES,
  CLAIM_BUILDING,
  READ_ORDER,
  RESERVE_GENERATION,
  SWITCH_GENERATION,
  type LuaScript,
} from './redis-projection-scripts.js';

/**
 * The one method of a node-redis v5 client the store uses. The client
 * `createClient()` returns satisfies it whatever its modules, scripts or RESP
 * version; the store parses raw replies itself.
 */
export interface RedisCommandClient {
  sendCommand(args: readonly string[]): Promise<unknown>;
}

export interface RedisProjectionStoreOptions {
  /** Prefix of every key the store writes. Defaults to `orders`. */
  keyPrefix?: string;
  /**
   * How long a delete's tombstone is kept. Within it, a late upsert older than
   * the delete is stale; after it Redis has forgotten the order and any upsert
   * applies, even an older one. That bounds memory by time; the TTL must
   * outlast the longest delay with which an event can still arrive (consumer
   * lag plus redelivery). A rebuild is not affected: it reads each order's
   * events in order, since they share a partition.
   */
  tombstoneTtlSeconds: number;
  /**
   * Events per script call. Each call blocks Redis while it runs, so this
   * bounds that pause; a batch is split into calls sent as one pipeline.
   * Defaults to 500.
   */
  maxEventsPerScript?: number;
}

const SCAN_PAGE_SIZE = '1000';

/**
 * The order cache in Redis, as generations of hashes.
 *
 * Layout under the prefix `p`:
 * - `p:generation` the live generation number (absent means 0); reads follow it;
 * - `p:generation:building` the generation a rebuild is filling, while one runs;
 * - `p:generation:last` the highest generation number handed out;
 * - `p:g<generation>:order:<uid>` a hash with `v` (version) and `d` (the
 *   order JSON, absent for a tombstone). A tombstone has a TTL, a present
 *   order none.
 *
 * Every version check happens in Redis, in the same script as the write, so
 * concurrent writers (the live projector and a rebuild) cannot interleave
 * between check and write. Reads follow the live pointer, and only
 * `switchGeneration` moves it: a reader never sees a half-built generation.
 *
 * One rebuild runs at a time: `beginGeneration` supersedes any unfinished one,
 * whose further writes and switch then fail with `GenerationConflict`.
 */
export class RedisProjectionStore implements ProjectionStore {
  readonly #client: RedisCommandClient;
  readonly #prefix: string;
  readonly #tombstoneTtlSeconds: string;
  readonly #maxEventsPerScript: number;
  readonly #liveKey: string;
  readonly #buildingKey: string;
  readonly #lastKey: string;
  /** Script loads in flight, so that calls failing with NOSCRIPT together load each script once. */
  readonly #loading = new Map<LuaScript, Promise<void>>();

  constructor(client: RedisCommandClient, options: RedisProjectionStoreOptions) {
    const { keyPrefix = 'orders', tombstoneTtlSeconds, maxEventsPerScript = 500 } = options;
    if (!Number.isSafeInteger(tombstoneTtlSeconds) || tombstoneTtlSeconds <= 0) {
      throw new RangeError(`tombstoneTtlSeconds must be a positive integer, got ${tombstoneTtlSeconds}`);
    }
    if (!Number.isSafeInteger(maxEventsPerScript) || maxEventsPerScript <= 0) {
      throw new RangeError(`maxEventsPerScript must be a positive integer, got ${maxEventsPerScript}`);
    }
    this.#client = client;
    this.#prefix = keyPrefix;
    this.#tombstoneTtlSeconds = String(tombstoneTtlSeconds);
    this.#maxEventsPerScript = maxEventsPerScript;
    this.#liveKey = `${keyPrefix}:generation`;
    this.#buildingKey = `${keyPrefix}:generation:building`;
    this.#lastKey = `${keyPrefix}:generation:last`;
  }

  /**
   * Applies the events to the live generation and, while a rebuild runs, to
   * the generation being built as well, so the rebuild misses nothing applied
   * meanwhile. Outcomes are those of the live generation.
   */
  async applyBatch(events: readonly OrderEvent[]): Promise<ApplyOutcome[]> {
    return this.#applyWrites('', events.map(toProjectionWrite));
  }

  /** Like an event's write: to the live generation and, while a rebuild runs, to the one being built. */
  async fill(write: ProjectionWrite): Promise<ApplyOutcome> {
    const [outcome] = await this.#applyWrites('', [write]);
    if (outcome === undefined) throw new ProjectionStoreRejected('Redis returned no outcome for the fill');
    return outcome;
  }

  async get(orderUid: string): Promise<CachedOrder | null> {
    const reply = await this.#runScript(READ_ORDER, [this.#liveKey], [this.#prefix, orderUid]);
    const [rawVersion, rawJson, rawModified] = parseList(reply, 3, READ_ORDER.name);
    if (rawVersion === null) return null;
    const version = parseInteger(rawVersion, 'order version');
    if (rawJson === null) return { state: 'deleted', version };
    const json = parseText(rawJson, 'order JSON');
    return typeof rawModified === 'string' ? { state: 'present', version, json, modifiedAt: rawModified } : { state: 'present', version, json };
  }

  /** The generation reads follow (0 before the first switch). */
  async liveGeneration(): Promise<number> {
    const reply = await this.#command(['GET', this.#liveKey]);
    return reply === null ? 0 : parseInteger(reply, 'live generation');
  }

  /** The generation a rebuild is filling, or null when none runs. */
  async buildingGeneration(): Promise<number | null> {
    const reply = await this.#command(['GET', this.#buildingKey]);
    return reply === null ? null : parseInteger(reply, 'building generation');
  }

  /**
   * Starts a rebuild: takes a generation number never used before, clears any
   * keys left under it, and points the building pointer at it, from when on
   * `applyBatch` writes to it too. The rebuild then reads the topic from its
   * start into `applyBatchToGeneration` and ends with `switchGeneration` or
   * `abortGeneration`. An unfinished rebuild is superseded and its keys dropped.
   */
  async beginGeneration(): Promise<number> {
    const generation = parseInteger(await this.#runScript(RESERVE_GENERATION, [this.#liveKey, this.#buildingKey, this.#lastKey], []), 'reserved generation');
    // Before the pointer moves: once it does, live writes land here and must stay.
    await this.#unlinkGeneration(generation);
    const superseded = parseInteger(await this.#runScript(CLAIM_BUILDING, [this.#liveKey, this.#buildingKey], [String(generation)]), 'superseded generation');
    if (superseded >= 0) await this.#unlinkGeneration(superseded);
    return generation;
  }

  /**
   * Applies the events to `generation` only, with the same version check: the
   * rebuild's writes. Throws `GenerationConflict` when `generation` is no
   * longer the one being built.
   */
  async applyBatchToGeneration(generation: number, events: readonly OrderEvent[]): Promise<ApplyOutcome[]> {
    return this.#applyWrites(formatGeneration(generation), events.map(toProjectionWrite));
  }

  /**
   * Makes the generation being built live, and ends the rebuild, in one atomic
   * step. Returns the generation that was live, for the caller to drop once
   * reads in flight are done with it. Throws `GenerationConflict` when
   * `generation` is not the one being built.
   */
  async switchGeneration(generation: number): Promise<number> {
    const previous = parseInteger(
      await this.#runScript(SWITCH_GENERATION, [this.#liveKey, this.#buildingKey], [formatGeneration(generation)]),
      'previous generation',
    );
    if (previous < 0) throw new GenerationConflict(`generation ${generation} is not being built`);
    return previous;
  }

  /**
   * Deletes every key of a generation that is neither live nor being built, in
   * pages. Returns how many keys were deleted. Throws `GenerationConflict` for
   * the live or the building generation.
   */
  async dropGeneration(generation: number): Promise<number> {
    const name = formatGeneration(generation);
    const [live, building] = parseList(await this.#command(['MGET', this.#liveKey, this.#buildingKey]), 2, 'pointers').map((pointer) =>
      pointer === null ? null : parseText(pointer, 'generation pointer'),
    );
    if (name === (live ?? '0')) throw new GenerationConflict(`generation ${generation} is live`);
    if (name === building) throw new GenerationConflict(`generation ${generation} is being built`);
    return this.#unlinkGeneration(generation);
  }

  /**
   * Ends the rebuild of `generation` without switching (if it is still the one
   * being built) and drops its keys. Throws `GenerationConflict` when it is live.
   */
  async abortGeneration(generation: number): Promise<void> {
    const result = parseInteger(await this.#runScript(ABORT_GENERATION, [this.#liveKey, this.#buildingKey], [formatGeneration(generation)]), 'abort result');
    if (result < 0) throw new GenerationConflict(`generation ${generation} is live`);
    await this.#unlinkGeneration(generation);
  }

  async #applyWrites(generation: string, writes: readonly ProjectionWrite[]): Promise<ApplyOutcome[]> {
    if (writes.length === 0) return [];
    const keys = [this.#liveKey, this.#buildingKey];
    const calls: Promise<ApplyOutcome[]>[] = [];
    for (let start = 0; start < writes.length; start += this.#maxEventsPerScript) {
      const chunk = writes.slice(start, start + this.#maxEventsPerScript);
      const args = [this.#prefix, this.#tombstoneTtlSeconds, generation];
      for (const write of chunk) {
        args.push(write.orderUid, String(write.version), write.json ?? '', write.modifiedAt);
      }
      // Not awaited one by one: node-redis writes calls issued together as one
      // pipeline, and Redis runs them in the order sent. Should a call be
      // retried after NOSCRIPT behind a later one, the state is the same, as
      // the highest version wins whatever the order; only outcomes may differ.
      calls.push(this.#runScript(APPLY_WRITES, keys, args).then((reply) => parseOutcomes(reply, chunk.length)));
    }
    return (await Promise.all(calls)).flat();
  }

  /** SCAN + UNLINK, each page's UNLINK sent with the next SCAN. */
  async #unlinkGeneration(generation: number): Promise<number> {
    const pattern = `${escapeGlob(this.#prefix)}:g${formatGeneration(generation)}:order:*`;
    let cursor = '0';
    let unlinked = 0;
    let unlinking: Promise<number> = Promise.resolve(0);
    do {
      const [reply, count] = await Promise.all([this.#command(['SCAN', cursor, 'MATCH', pattern, 'COUNT', SCAN_PAGE_SIZE]), unlinking]);
      unlinked += count;
      const [nextCursor, keys] = parseList(reply, 2, 'SCAN reply');
      cursor = parseText(nextCursor, 'SCAN cursor');
      const page = parseList(keys, null, 'SCAN keys').map((key) => parseText(key, 'key'));
      unlinking = page.length > 0 ? this.#command(['UNLINK', ...page]).then((n) => parseInteger(n, 'UNLINK reply')) : Promise.resolve(0);
    } while (cursor !== '0');
    return unlinked + (await unlinking);
  }

  async #runScript(script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const command = ['EVALSHA', script.sha, String(keys.length), ...keys, ...args];
    try {
      return await this.#client.sendCommand(command);
    } catch (error) {
      if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw translateError(error, script.name);
    }
    // Redis lost its script cache (a restart or SCRIPT FLUSH): load the script, then retry once.
    await this.#loadScript(script);
    return this.#command(command, script.name);
  }

  async #loadScript(script: LuaScript): Promise<void> {
    let loading = this.#loading.get(script);
    if (loading === undefined) {
      loading = this.#command(['SCRIPT', 'LOAD', script.source], `SCRIPT LOAD ${script.name}`)
        .then((sha) => {
          if (sha !== script.sha) throw unexpectedReply(`SCRIPT LOAD ${script.name}`, sha);
        })
        .finally(() => this.#loading.delete(script));
      this.#loading.set(script, loading);
    }
    await loading;
  }

  async #command(args: readonly string[], what: string = args[0] ?? 'command'): Promise<unknown> {
    try {
      return await this.#client.sendCommand(args);
    } catch (error) {
      throw translateError(error, what);
    }
  }
}

function formatGeneration(generation: number): string {
  if (!Number.isSafeInteger(generation) || generation < 0) {
    throw new RangeError(`a generation is a non-negative integer, got ${generation}`);
  }
  return String(generation);
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
