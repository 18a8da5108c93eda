import { createHash } from 'node:crypto';

/** A Lua script sent by its SHA1 (EVALSHA); its source is loaded when Redis does not know it yet. */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function luaScript(name: string, source: string): LuaScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

/*
 * Every script declares every key it touches, and each call's keys share one
 * hash slot, so the same scripts run on a single Redis and on Redis Cluster:
 * the order scripts get the keys of the orders of one slot (an order's keys in
 * every generation share the slot of its uid, their hash tag), and the
 * generation scripts get the one pointer hash. The generations an order
 * script writes are read from the pointer hash by the caller and passed in.
 *
 * Generation numbers are stored as canonical decimal strings, so scripts
 * compare them as strings.
 */

/**
 * Applies writes in order with a version check, atomically.
 * ARGV[1] tombstone TTL in seconds; ARGV[2] one letter per generation written:
 * `c` creates the order's key when absent, `u` only updates a key that exists
 * (the generation being retired: being dropped, it must not grow back);
 * ARGV[3..] triples of version, order JSON ('' for a delete; no serialised
 * order is empty) and the time the version was written. KEYS hold, per
 * triple, the order's key in each generation, in the order of ARGV[2].
 * Returns 1 (applied) or 0 (stale) per triple, as the first generation saw it.
 */
export const APPLY_WRITES = luaScript(
  'apply-writes',
  `local ttl, modes = ARGV[1], ARGV[2]
local targets = #modes

local function put(key, create, version, number, json, modified)
  local held = redis.call('HGET', key, 'v')
  if not held and not create then return 0 end
  if held and tonumber(held) >= number then return 0 end
  if json == '' then
    if held then redis.call('HDEL', key, 'd', 'm') end
    redis.call('HSET', key, 'v', version)
    redis.call('EXPIRE', key, ttl)
  else
    redis.call('HSET', key, 'v', version, 'd', json, 'm', modified)
    -- Only a key that existed can be a tombstone with a TTL to clear.
    if held then redis.call('PERSIST', key) end
  end
  return 1
end

local outcomes = {}
local k = 0
for i = 3, #ARGV, 3 do
  local version, json, modified = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local number = tonumber(version)
  for t = 1, targets do
    k = k + 1
    local outcome = put(KEYS[k], string.sub(modes, t, t) == 'c', version, number, json, modified)
    if t == 1 then outcomes[#outcomes + 1] = outcome end
  end
end
return outcomes
`,
);

/*
 * The generation scripts work on one hash, KEYS[1], with the fields `live`
 * (absent means 0), `building`, `retiring` and `last`.
 */

/**
 * Hands out a generation number no pointer has ever held: one above every
 * pointer and the last one handed out, so a generation being dropped is never
 * handed out again.
 */
export const RESERVE_GENERATION = luaScript(
  'reserve-generation',
  `local highest = 0
for _, held in ipairs(redis.call('HMGET', KEYS[1], 'live', 'building', 'retiring', 'last')) do
  local number = tonumber(held or '0')
  if number > highest then highest = number end
end
redis.call('HSET', KEYS[1], 'last', string.format('%d', highest + 1))
return highest + 1
`,
);

/**
 * Points `building` at ARGV[1]. Returns the generation it supersedes (an
 * unfinished rebuild, whose keys the caller drops), or -1.
 */
export const CLAIM_BUILDING = luaScript(
  'claim-building',
  `local previous = redis.call('HGET', KEYS[1], 'building')
redis.call('HSET', KEYS[1], 'building', ARGV[1])
if previous and previous ~= ARGV[1] and previous ~= (redis.call('HGET', KEYS[1], 'live') or '0') then
  return tonumber(previous)
end
return -1
`,
);

/**
 * Makes the generation being built (ARGV[1]) live and ends the rebuild, in one
 * step; the generation that was live becomes the one retiring, which writers
 * keep current (without creating keys) until it is dropped. Returns the
 * generation that was live, or -1 (and changes nothing) when ARGV[1] is not
 * the one being built.
 */
export const SWITCH_GENERATION = luaScript(
  'switch-generation',
  `if redis.call('HGET', KEYS[1], 'building') ~= ARGV[1] then return -1 end
local previous = redis.call('HGET', KEYS[1], 'live') or '0'
redis.call('HSET', KEYS[1], 'live', ARGV[1], 'retiring', previous)
redis.call('HDEL', KEYS[1], 'building')
return tonumber(previous)
`,
);

/**
 * Ends the rebuild of ARGV[1] if it is the one being built. Returns -1 (and
 * changes nothing) when ARGV[1] is live, 1 when the building pointer was
 * cleared, 0 when it pointed elsewhere.
 */
export const ABORT_GENERATION = luaScript(
  'abort-generation',
  `if (redis.call('HGET', KEYS[1], 'live') or '0') == ARGV[1] then return -1 end
if redis.call('HGET', KEYS[1], 'building') == ARGV[1] then
  redis.call('HDEL', KEYS[1], 'building')
  return 1
end
return 0
`,
);

/** Clears `retiring` if it names ARGV[1] (whose keys are gone). */
export const END_RETIREMENT = luaScript(
  'end-retirement',
  `if redis.call('HGET', KEYS[1], 'retiring') == ARGV[1] then redis.call('HDEL', KEYS[1], 'retiring') end
return 1
`,
);
