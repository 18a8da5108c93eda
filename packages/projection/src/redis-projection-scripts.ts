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
 * Every script takes the generation pointers as KEYS[1] (live) and KEYS[2]
 * (building) and builds order keys as ARGV-prefix .. ':g' .. generation ..
 * ':order:' .. uid. Order keys are computed inside the script, not declared,
 * because the generation is only known there: the layout is for a standalone
 * Redis (or one shard), not for Redis Cluster.
 *
 * Generation numbers are stored as canonical decimal strings, so scripts
 * compare them as strings.
 */

/**
 * Applies writes in order with a version check, atomically.
 * ARGV[1] key prefix, ARGV[2] tombstone TTL in seconds, ARGV[3] the generation
 * to write or '' for "live, and building too if a rebuild is under way",
 * ARGV[4..] quadruples of order uid, version, order JSON ('' for a delete; no
 * serialised order is empty) and the time the version was written. Returns 1 (applied) or 0 (stale) per triple, for
 * the live generation or for the one named. Fails with GENERATION_NOT_BUILDING
 * when a named generation is not the one being built (the rebuild was aborted
 * or superseded), so a superseded rebuild cannot leave keys behind.
 */
export const APPLY_WRITES = luaScript(
  'apply-writes',
  `local prefix, ttl, named = ARGV[1], ARGV[2], ARGV[3]
local live = redis.call('GET', KEYS[1]) or '0'
local building = redis.call('GET', KEYS[2])
local target, mirror
if named == '' then
  target = live
  if building and building ~= live then mirror = building end
elseif named == building then
  target = named
else
  return redis.error_reply('GENERATION_NOT_BUILDING generation ' .. named .. ' is not being built')
end

local function put(generation, uid, version, number, json, modified)
  local key = prefix .. ':g' .. generation .. ':order:' .. uid
  local held = redis.call('HGET', key, 'v')
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
for i = 4, #ARGV, 4 do
  local uid, version, json, modified = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local number = tonumber(version)
  outcomes[#outcomes + 1] = put(target, uid, version, number, json, modified)
  if mirror then put(mirror, uid, version, number, json, modified) end
end
return outcomes
`,
);

/**
 * Reads one order from the live generation: the pointer and the hash in one
 * atomic step, so a read never mixes two generations.
 * ARGV[1] key prefix, ARGV[2] order uid. Returns {version, json, modified}, each nil when absent.
 */
export const READ_ORDER = luaScript(
  'read-order',
  `local generation = redis.call('GET', KEYS[1]) or '0'
return redis.call('HMGET', ARGV[1] .. ':g' .. generation .. ':order:' .. ARGV[2], 'v', 'd', 'm')
`,
);

/**
 * Hands out a generation number no pointer has ever held: one above the live,
 * the building and the last one handed out (KEYS[3]), so a generation being
 * dropped is never handed out again.
 */
export const RESERVE_GENERATION = luaScript(
  'reserve-generation',
  `local highest = 0
for i = 1, 3 do
  local held = tonumber(redis.call('GET', KEYS[i]) or '0')
  if held > highest then highest = held end
end
redis.call('SET', KEYS[3], string.format('%d', highest + 1))
return highest + 1
`,
);

/**
 * Points the building pointer at ARGV[1]. Returns the generation it
 * supersedes (an unfinished rebuild, whose keys the caller drops), or -1.
 */
export const CLAIM_BUILDING = luaScript(
  'claim-building',
  `local previous = redis.call('GET', KEYS[2])
redis.call('SET', KEYS[2], ARGV[1])
if previous and previous ~= ARGV[1] and previous ~= (redis.call('GET', KEYS[1]) or '0') then
  return tonumber(previous)
end
return -1
`,
);

/**
 * Makes the generation being built (ARGV[1]) live and ends the rebuild, in one
 * step. Returns the generation that was live, or -1 (and changes nothing) when
 * ARGV[1] is not the one being built.
 */
export const SWITCH_GENERATION = luaScript(
  'switch-generation',
  `if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
local previous = redis.call('GET', KEYS[1]) or '0'
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
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
  `if (redis.call('GET', KEYS[1]) or '0') == ARGV[1] then return -1 end
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
  return 1
end
return 0
`,
);
