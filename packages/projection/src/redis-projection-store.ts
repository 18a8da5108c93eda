import type { OrderEvent } from '@order-service/contracts';
import { ErrorReply } from 'redis';
import { hashSlot } from './hash-slot.js';
import { NodeRedisClientCommands, type NodeRedisClient } from './node-redis-commands.js';
import { GenerationConflict, ProjectionStoreRejected } from './projection-errors.js';
import { toProjectionWrite } from './projection.js';
import type { ApplyOutcome, CachedOrder, EncodedProjectionWrite, ProjectionStore, ProjectionWrite } from './projection-store.js';
import type { RedisCommands } from './redis-commands.js';
import { parseInteger, parseList, parseOutcomes, parseText, translateError, unexpectedReply } from './redis-replies.js';
import {
  ABORT_GENERATION,
  APPLY_WRITES,
  CLAIM_BUILDING,
  END_RETIREMENT,
  RESERVE_GENERATION,
  SWITCH_GENERATION,
  type LuaScript,
} from './redis-projection-scripts.js';

export interface RedisProjectionStoreOptions {
  /** Prefix of every key the store writes, without `{` or `}` (hash tags are the store's). Defaults to `orders`. */
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
  /**
   * How old the generation pointer a read or a fill follows may be before it
   * is read again. A rebuild keeps the generation it replaced current for
   * longer than this after its switch (see `retirementGraceMs`). Defaults to 1,000.
   */
  pointerMaxAgeMs?: number;
}

/** Generation numbers as stored: canonical decimal strings. */
interface Pointers {
  readonly live: string;
  readonly building: string | null;
  readonly retiring: string | null;
}

/** One generation an apply writes, and whether it may create an order's key there. */
interface Target {
  readonly generation: string;
  readonly create: boolean;
}

const SCAN_PAGE_SIZE = 1000;
const DEFAULT_POINTER_MAX_AGE_MS = 1000;
/** Longest a batch waits for a cluster master's replica to confirm its writes. */
const REPLICATION_TIMEOUT_MS = 500;

/**
 * The order cache in Redis, as generations of hashes; the same layout and the
 * same scripts serve a single Redis and a Redis Cluster.
 *
 * Layout under the prefix `p`:
 * - `p:generations` a hash of the generation pointers: `live` (absent means
 *   0), which reads follow; `building`, the generation a rebuild is filling;
 *   `retiring`, the generation a switch replaced, until its keys are dropped;
 *   `last`, the highest generation number handed out;
 * - `p:g<generation>:order:{<uid>}` a hash with `v` (version), `d` (the order
 *   JSON, absent for a tombstone) and `m` (when the version was written). A
 *   tombstone has a TTL, a present order none. The uid is the key's hash tag,
 *   so an order's keys in every generation share one slot.
 *
 * Every version check happens in Redis, in the same script as the write, so
 * concurrent writers (the live projector and a rebuild) cannot interleave
 * between check and write; each script call touches the keys of one slot.
 *
 * The generations live in another slot than the orders, so a write reads the
 * pointers first and passes the generations in:
 * - `applyBatch` reads them afresh for every batch, and writes the live and
 *   the building generation (and keeps the retiring one current). An event it
 *   applies was in the topic before it read the pointers; should a rebuild
 *   begin after that read, the rebuild takes its end offsets later still and
 *   reads the event itself, so the new generation misses nothing.
 * - A read (one HMGET, no script) follows a pointer at most `pointerMaxAgeMs`
 *   old. Only `switchGeneration` moves `live`, in one step: a read sees
 *   either the old generation or the complete new one, never a half-built one
 *   and never both. Until the old generation is dropped, writers keep every key
 *   it holds current, and a rebuild drops it only `retirementGraceMs` after
 *   the switch, when no reader can still follow the old pointer. A read that
 *   finds no key answers "unknown", which sends the reader to PostgreSQL.
 *
 * One rebuild runs at a time: `beginGeneration` supersedes any unfinished one,
 * whose further writes and switch then fail with `GenerationConflict`.
 */
export class RedisProjectionStore implements ProjectionStore {
  readonly #redis: RedisCommands;
  readonly #prefix: string;
  readonly #tombstoneTtlSeconds: string;
  readonly #maxEventsPerScript: number;
  readonly #pointerMaxAgeMs: number;
  readonly #pointersKey: string;
  /** The pointers last read, and when the read was sent (performance.now()). */
  #pointers: { value: Pointers; at: number } | undefined;
  #refreshing: Promise<Pointers> | undefined;
  /** Script loads in flight, so that calls failing with NOSCRIPT together load each script once (per slot in a cluster). */
  readonly #loading = new Map<string, Promise<void>>();

  constructor(redis: RedisCommands | NodeRedisClient, options: RedisProjectionStoreOptions) {
    const { keyPrefix = 'orders', tombstoneTtlSeconds, maxEventsPerScript = 500, pointerMaxAgeMs = DEFAULT_POINTER_MAX_AGE_MS } = options;
    if (!Number.isSafeInteger(tombstoneTtlSeconds) || tombstoneTtlSeconds <= 0) {
      throw new RangeError(`tombstoneTtlSeconds must be a positive integer, got ${tombstoneTtlSeconds}`);
    }
    if (!Number.isSafeInteger(maxEventsPerScript) || maxEventsPerScript <= 0) {
      throw new RangeError(`maxEventsPerScript must be a positive integer, got ${maxEventsPerScript}`);
    }
    if (!Number.isSafeInteger(pointerMaxAgeMs) || pointerMaxAgeMs < 0) {
      throw new RangeError(`pointerMaxAgeMs must be a non-negative integer, got ${pointerMaxAgeMs}`);
    }
    if (/[{}]/.test(keyPrefix)) throw new RangeError(`keyPrefix may not hold { or }, got ${keyPrefix}`);
    this.#redis = 'send' in redis ? redis : new NodeRedisClientCommands(redis);
    this.#prefix = keyPrefix;
    this.#tombstoneTtlSeconds = String(tombstoneTtlSeconds);
    this.#maxEventsPerScript = maxEventsPerScript;
    this.#pointerMaxAgeMs = pointerMaxAgeMs;
    this.#pointersKey = `${keyPrefix}:generations`;
  }

  /**
   * How long after a switch the replaced generation must be kept (and kept
   * current) before it is dropped: longer than any reader follows an old pointer.
   */
  get retirementGraceMs(): number {
    return this.#pointerMaxAgeMs * 2 + 100;
  }

  /**
   * Applies the events to the live generation and, while a rebuild runs, to
   * the generation being built as well, so the rebuild misses nothing applied
   * meanwhile. Outcomes are those of the live generation.
   */
  async applyBatch(events: readonly OrderEvent[]): Promise<ApplyOutcome[]> {
    if (events.length === 0) return [];
    return this.#applyWrites(writeTargets(await this.#readPointers()), events.map(toProjectionWrite), true);
  }

  /**
   * Like an event's write, following a pointer at most `pointerMaxAgeMs` old:
   * a fill only copies PostgreSQL, so one a rebuild misses costs nothing.
   */
  async fill(write: ProjectionWrite): Promise<ApplyOutcome> {
    const [outcome] = await this.#applyWrites(writeTargets(await this.#recentPointers()), [write], false);
    if (outcome === undefined) throw new ProjectionStoreRejected('Redis returned no outcome for the fill');
    return outcome;
  }

  /** One HMGET of the order's key in the live generation. */
  async get(orderUid: string): Promise<CachedOrder | null> {
    const { live } = await this.#recentPointers();
    const key = this.#orderKey(live, orderUid);
    const reply = await this.#command(key, ['HMGET', key, 'v', 'd', 'm'], 'HMGET order');
    const [rawVersion, rawJson, rawModified] = parseList(reply, 3, 'HMGET order');
    if (rawVersion === null) return null;
    const version = parseInteger(rawVersion, 'order version');
    if (rawJson === null) return { state: 'deleted', version };
    const json = parseText(rawJson, 'order JSON');
    return typeof rawModified === 'string' ? { state: 'present', version, json, modifiedAt: rawModified } : { state: 'present', version, json };
  }

  /** The generation reads follow (0 before the first switch). */
  async liveGeneration(): Promise<number> {
    return Number((await this.#readPointers()).live);
  }

  /** The generation a rebuild is filling, or null when none runs. */
  async buildingGeneration(): Promise<number | null> {
    const { building } = await this.#readPointers();
    return building === null ? null : Number(building);
  }

  /**
   * Starts a rebuild: takes a generation number never used before, clears any
   * keys left under it, and points the building pointer at it, from when on
   * `applyBatch` writes to it too. The rebuild then reads the topic from its
   * start into `applyBatchToGeneration` and ends with `switchGeneration` or
   * `abortGeneration`. An unfinished rebuild is superseded and its keys dropped.
   */
  async beginGeneration(): Promise<number> {
    const generation = parseInteger(await this.#runScript(RESERVE_GENERATION, [this.#pointersKey], []), 'reserved generation');
    // Before the pointer moves: once it does, live writes land here and must stay.
    await this.#unlinkGeneration(generation);
    const superseded = parseInteger(await this.#runScript(CLAIM_BUILDING, [this.#pointersKey], [String(generation)]), 'superseded generation');
    if (superseded >= 0) await this.#unlinkGeneration(superseded);
    return generation;
  }

  /**
   * Applies the events to `generation` only, with the same version check: the
   * rebuild's writes. Throws `GenerationConflict` when `generation` is no
   * longer the one being built.
   */
  applyBatchToGeneration(generation: number, events: readonly OrderEvent[]): Promise<ApplyOutcome[]> {
    return this.applyWritesToGeneration(generation, events.map(toProjectionWrite));
  }

  /** applyBatchToGeneration of writes already reduced, whose documents may be bytes to write as they are (toEncodedWrite). */
  async applyWritesToGeneration(generation: number, writes: readonly EncodedProjectionWrite[]): Promise<ApplyOutcome[]> {
    const name = formatGeneration(generation);
    if ((await this.#readPointers()).building !== name) throw new GenerationConflict(`generation ${generation} is not being built`);
    return this.#applyWrites([{ generation: name, create: true }], writes, true);
  }

  /**
   * Makes the generation being built live, and ends the rebuild, in one atomic
   * step. Returns the generation that was live, now retiring: writers keep it
   * current until the caller drops it, `retirementGraceMs` later. Throws
   * `GenerationConflict` when `generation` is not the one being built.
   */
  async switchGeneration(generation: number): Promise<number> {
    const name = formatGeneration(generation);
    const previous = parseInteger(await this.#runScript(SWITCH_GENERATION, [this.#pointersKey], [name]), 'previous generation');
    if (previous < 0) throw new GenerationConflict(`generation ${generation} is not being built`);
    this.#pointers = { value: { live: name, building: null, retiring: String(previous) }, at: performance.now() };
    return previous;
  }

  /**
   * Deletes every key of a generation that is neither live nor being built, in
   * pages, and ends its retirement. Returns how many keys were deleted. Throws
   * `GenerationConflict` for the live or the building generation.
   */
  async dropGeneration(generation: number): Promise<number> {
    const name = formatGeneration(generation);
    const { live, building } = await this.#readPointers();
    if (name === live) throw new GenerationConflict(`generation ${generation} is live`);
    if (name === building) throw new GenerationConflict(`generation ${generation} is being built`);
    const unlinked = await this.#unlinkGeneration(generation);
    await this.#runScript(END_RETIREMENT, [this.#pointersKey], [name]);
    return unlinked;
  }

  /**
   * Ends the rebuild of `generation` without switching (if it is still the one
   * being built) and drops its keys. Throws `GenerationConflict` when it is live.
   */
  async abortGeneration(generation: number): Promise<void> {
    const result = parseInteger(await this.#runScript(ABORT_GENERATION, [this.#pointersKey], [formatGeneration(generation)]), 'abort result');
    if (result < 0) throw new GenerationConflict(`generation ${generation} is live`);
    await this.#unlinkGeneration(generation);
  }

  #orderKey(generation: string, orderUid: string): string {
    return `${this.#prefix}:g${generation}:order:{${orderUid}}`;
  }

  /** The pointers as Redis holds them now. */
  async #readPointers(): Promise<Pointers> {
    const at = performance.now();
    const reply = await this.#command(this.#pointersKey, ['HMGET', this.#pointersKey, 'live', 'building', 'retiring'], 'HMGET generations');
    const [live, building, retiring] = parseList(reply, 3, 'generation pointers').map((value) =>
      value === null ? null : parseText(value, 'generation pointer'),
    );
    const value: Pointers = { live: live ?? '0', building: building ?? null, retiring: retiring ?? null };
    if (this.#pointers === undefined || this.#pointers.at <= at) this.#pointers = { value, at };
    return value;
  }

  /** The pointers read at most `pointerMaxAgeMs` ago; concurrent callers share one read. */
  #recentPointers(): Pointers | Promise<Pointers> {
    const known = this.#pointers;
    if (known !== undefined && performance.now() - known.at <= this.#pointerMaxAgeMs) return known.value;
    this.#refreshing ??= this.#readPointers().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /**
   * `durable` waits for a replica of each cluster master written to (an
   * event's write, whose offset is committed after); a fill does not wait.
   */
  async #applyWrites(targets: readonly Target[], writes: readonly EncodedProjectionWrite[], durable: boolean): Promise<ApplyOutcome[]> {
    if (writes.length === 0) return [];
    const modes = targets.map((target) => (target.create ? 'c' : 'u')).join('');
    // The writes of each call share a slot: one group in all on a single Redis, one per slot in a cluster.
    const groups = new Map<number, number[]>();
    for (const [index, write] of writes.entries()) {
      const slot = this.#redis.clustered ? hashSlot(this.#orderKey('0', write.orderUid)) : 0;
      let group = groups.get(slot);
      if (group === undefined) groups.set(slot, (group = []));
      group.push(index);
    }
    const outcomes = new Array<ApplyOutcome>(writes.length);
    const calls: Promise<void>[] = [];
    const keysOfGroups: string[] = [];
    for (const group of groups.values()) {
      keysOfGroups.push(this.#orderKey('0', writes[group[0]!]!.orderUid));
      for (let start = 0; start < group.length; start += this.#maxEventsPerScript) {
        const chunk = group.slice(start, start + this.#maxEventsPerScript);
        const keys: string[] = [];
        const args: Array<string | Buffer> = [this.#tombstoneTtlSeconds, modes];
        for (const index of chunk) {
          const write = writes[index]!;
          for (const target of targets) keys.push(this.#orderKey(target.generation, write.orderUid));
          args.push(String(write.version), write.json ?? '', write.modifiedAt);
        }
        // Not awaited one by one: node-redis writes calls issued together as one
        // pipeline (per node), and Redis runs them in the order sent. Should a call
        // be retried after NOSCRIPT behind a later one, the state is the same, as
        // the highest version wins whatever the order; only outcomes may differ.
        calls.push(
          this.#runScript(APPLY_WRITES, keys, args).then((reply) => {
            for (const [position, outcome] of parseOutcomes(reply, chunk.length).entries()) outcomes[chunk[position]!] = outcome;
          }),
        );
      }
    }
    await Promise.all(calls);
    if (durable && this.#redis.clustered) await this.#redis.replicate(keysOfGroups, REPLICATION_TIMEOUT_MS);
    return outcomes;
  }

  /** SCAN + UNLINK over every node, each page unlinked while the next is read. */
  async #unlinkGeneration(generation: number): Promise<number> {
    const pattern = `${escapeGlob(this.#prefix)}:g${formatGeneration(generation)}:order:*`;
    let unlinked = 0;
    let unlinking: Promise<number> = Promise.resolve(0);
    try {
      for await (const page of this.#redis.scan(pattern, SCAN_PAGE_SIZE)) {
        unlinked += await unlinking;
        unlinking = this.#unlink(page);
      }
    } catch (error) {
      throw translateError(error, 'SCAN');
    }
    return unlinked + (await unlinking);
  }

  /** One UNLINK for a page on a single Redis; one per key in a cluster, where a page spans slots. */
  async #unlink(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const calls = this.#redis.clustered ? keys.map((key) => [key]) : [keys];
    const counts = await Promise.all(calls.map((batch) => this.#command(batch[0], ['UNLINK', ...batch]).then((n) => parseInteger(n, 'UNLINK reply'))));
    return counts.reduce((sum, count) => sum + count, 0);
  }

  async #runScript(script: LuaScript, keys: readonly string[], args: readonly (string | Buffer)[]): Promise<unknown> {
    const command = ['EVALSHA', script.sha, String(keys.length), ...keys, ...args];
    const routingKey = keys[0];
    try {
      return await this.#redis.send(routingKey, command);
    } catch (error) {
      if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw translateError(error, script.name);
    }
    // Redis (or this node of the cluster) lost its script cache (a restart, a
    // failover or SCRIPT FLUSH): load the script there, then retry once.
    await this.#loadScript(script, routingKey);
    return this.#command(routingKey, command, script.name);
  }

  async #loadScript(script: LuaScript, routingKey: string | undefined): Promise<void> {
    const slot = this.#redis.clustered && routingKey !== undefined ? hashSlot(routingKey) : 0;
    const id = `${script.sha}@${slot}`;
    let loading = this.#loading.get(id);
    if (loading === undefined) {
      loading = this.#command(routingKey, ['SCRIPT', 'LOAD', script.source], `SCRIPT LOAD ${script.name}`)
        .then((sha) => {
          if (sha !== script.sha) throw unexpectedReply(`SCRIPT LOAD ${script.name}`, sha);
        })
        .finally(() => this.#loading.delete(id));
      this.#loading.set(id, loading);
    }
    await loading;
  }

  async #command(routingKey: string | undefined, args: readonly (string | Buffer)[], what: string = String(args[0] ?? 'command')): Promise<unknown> {
    try {
      return await this.#redis.send(routingKey, args);
    } catch (error) {
      throw translateError(error, what);
    }
  }
}

/** What `applyBatch` and `fill` write: live and building create keys, the retiring generation only keeps existing ones current. */
function writeTargets({ live, building, retiring }: Pointers): Target[] {
  const targets: Target[] = [{ generation: live, create: true }];
  if (building !== null && building !== live) targets.push({ generation: building, create: true });
  if (retiring !== null && retiring !== live && retiring !== building) targets.push({ generation: retiring, create: false });
  return targets;
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
