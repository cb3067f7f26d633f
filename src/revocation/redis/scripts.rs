//! The Lua scripts of the Redis store: each touches the keys of one subject (one hash slot).

/// Registers a login family. KEYS: the subject's family index (a sorted set of family ids
/// scored by expiry), the family's key. ARGV: now, until, the current refresh jti (or ""),
/// the per-subject cap, the prefix of the subject's family keys, the family id.
/// Ended families leave the index; at the cap the oldest is removed with its key. New state:
/// without `allow-oom`, Redis refuses it at `maxmemory`.
pub(super) const REGISTER_SCRIPT: &str = r"#!lua
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local cap = tonumber(ARGV[4])
while redis.call('ZCARD', KEYS[1]) >= cap do
  local oldest = redis.call('ZPOPMIN', KEYS[1])
  redis.call('DEL', ARGV[5] .. oldest[1])
end
redis.call('SET', KEYS[2], ARGV[3], 'EXAT', ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[6])
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('EXPIREAT', KEYS[1], newest[2])
return 1";

/// Logs a subject out everywhere. KEYS: the family index, the subject's "logged out up to"
/// key. ARGV: the issue time, until, the prefix of the subject's family keys, now. Every family
/// key is removed with the index; the time kept is the larger one. It frees memory, so it
/// runs at `maxmemory` too.
pub(super) const SUBJECT_SCRIPT: &str = r"#!lua flags=allow-oom
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  redis.call('DEL', ARGV[3] .. id)
end
redis.call('DEL', KEYS[1])
local current = redis.call('GET', KEYS[2])
local value = tonumber(ARGV[1])
if current and tonumber(current) > value then value = tonumber(current) end
local expiry = tonumber(ARGV[2])
local ttl = redis.call('TTL', KEYS[2])
if ttl > 0 and tonumber(ARGV[4]) + ttl > expiry then expiry = tonumber(ARGV[4]) + ttl end
redis.call('SET', KEYS[2], value, 'EXAT', expiry)
return 1";

/// Removes a login family. KEYS: the family's key, the family index. ARGV: the family id.
/// It frees memory, so it runs at `maxmemory` too (a `MULTI` would not).
pub(super) const FAMILY_SCRIPT: &str = r"#!lua flags=allow-oom
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1";

/// Moves a family's current refresh token. KEYS: the family's key, the family index. ARGV:
/// presented, next, until, the family id. 2: the family is not registered; 0: another token
/// is current (reuse); 1: rotated. It replaces a value of the same size, so it runs at
/// `maxmemory` too: a full Redis never stops a user's refresh.
pub(super) const ROTATE_SCRIPT: &str = r"#!lua flags=allow-oom
local current = redis.call('GET', KEYS[1])
if not current then return 2 end
if current ~= '' and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EXAT', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
local newest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('EXPIREAT', KEYS[2], newest[2])
return 1";
