/**
 * The Lua scripts of the Redis store. Each runs atomically on the server, on the server's clock (TIME), so replicas
 * with skewed clocks still agree on windows and lease expiry. Counter layout, per subject (one Redis Cluster hash
 * tag for a key and its owner, so both fit in one script):
 *   <prefix>{u<user>}:<k<key>|u>:r       hash: bucket index → requests, `s` = sum, `g` = oldest bucket kept
 *   <prefix>{u<user>}:<k<key>|u>:t       hash: the same for tokens
 *   <prefix>{u<user>}:<k<key>|u>:p       sorted set: lease id scored by its expiry (ms)
 *   <prefix>{u<user>}:<k<key>|u>:b:<id>  string: tokens counted in budget period <id>
 * Every key carries a TTL: windows two minutes' worth of buckets, leases twice their TTL, budgets their period's end
 * plus a day. The bucket rule is sliding-window.ts's: 61 buckets of 1/60 window each are counted.
 */

/** Shared helpers: `now`, the current bucket and `window_used` / `window_add` over a bucket hash. */
const WINDOW_LUA = `
local N = 61
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local bucket_ms = tonumber(ARGV[1])
local bucket = math.floor(now / bucket_ms)
local lo = bucket - N + 1
local window_ttl = math.ceil((N + 1) * bucket_ms)

-- The sum over the counted buckets, after dropping the ones that left the window.
local function window_used(key)
  local head = redis.call('HMGET', key, 's', 'g')
  local g = tonumber(head[2])
  if g == nil then
    return 0
  end
  local sum = tonumber(head[1]) or 0
  if g < lo then
    if lo - g >= N then
      redis.call('DEL', key)
      return 0
    end
    local fields = {}
    for b = g, lo - 1 do
      fields[#fields + 1] = b
    end
    local values = redis.call('HMGET', key, unpack(fields))
    for i = 1, #values do
      if values[i] then
        sum = sum - tonumber(values[i])
      end
    end
    redis.call('HDEL', key, unpack(fields))
    redis.call('HSET', key, 's', sum, 'g', lo)
  end
  if sum < 0 then
    return 0
  end
  return sum
end

-- The TTL is set when a bucket is first written: a bucket written before was written at most 61 buckets ago,
-- and the key outlives it by one more, so extending the TTL on every write would change nothing.
local function window_add(key, b, amount)
  redis.call('HINCRBY', key, 's', amount)
  if redis.call('HINCRBY', key, b, amount) == amount then
    redis.call('HSETNX', key, 'g', b)
    redis.call('PEXPIRE', key, window_ttl)
  end
end

-- Settlement entries: 3 KEYS each from key_base (t, b, p of one subject), 6 ARGV each from arg_base (the bucket
-- reserved in, tokens delta, lease id, and flags 1/0: tpm, budget, parallel were counted at admission).
local function apply_settles(key_base, arg_base, count)
  for e = 0, count - 1 do
    local k = key_base + 3 * e
    local a = arg_base + 6 * e
    local reserved, delta, lease = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), ARGV[a + 2]
    if ARGV[a + 3] == '1' and delta ~= 0 then
      window_used(KEYS[k + 1])
      if reserved >= lo then
        window_add(KEYS[k + 1], reserved, delta)
      elseif delta > 0 then
        window_add(KEYS[k + 1], bucket, delta)
      end
    end
    -- A budget key that has expired belongs to a period long over: nothing to correct.
    if ARGV[a + 4] == '1' and delta ~= 0 and redis.call('EXISTS', KEYS[k + 2]) == 1 then
      redis.call('INCRBY', KEYS[k + 2], delta)
    end
    if ARGV[a + 5] == '1' then
      redis.call('ZREM', KEYS[k + 3], lease)
    end
  end
end
`

/**
 * KEYS: per subject r, t, p, b. ARGV: bucket ms, lease TTL ms, lease id, estimated tokens, subject count, then per
 * subject rpm, tpm, max parallel, budget (0 = not set) and the budget key's expiry (unix ms). Then the count of
 * this replica's waiting settlements, applied first (so a release always precedes the next admission it could
 * matter to), with their KEYS after the subjects' and their ARGV after the count.
 * Returns: status (0 ok, 1 rpm, 2 tpm, 3 parallel, 4 budget), refusing subject (0-based), ms until a retry can
 * pass (-1 unknown), server now (ms), bucket, then per subject requests and tokens counted.
 */
export const ADMIT_LUA = `${WINDOW_LUA}
local lease_ttl = tonumber(ARGV[2])
local lease = ARGV[3]
local cost = tonumber(ARGV[4])
local subjects = tonumber(ARGV[5])

-- ms until at least need of the count has left the window
local function ms_until_freed(key, need)
  local fields = {}
  for b = lo, bucket do
    fields[#fields + 1] = b
  end
  local values = redis.call('HMGET', key, unpack(fields))
  local freed = 0
  for i = 1, #values do
    freed = freed + (tonumber(values[i]) or 0)
    if freed >= need then
      return (lo + i - 1 + N) * bucket_ms - now
    end
  end
  return (bucket + N) * bucket_ms - now
end

apply_settles(4 * subjects, 7 + 5 * subjects, tonumber(ARGV[6 + 5 * subjects]))

local status, refused_by, retry_ms = 0, 0, -1
local used = {}
for s = 0, subjects - 1 do
  local a = 6 + 5 * s
  local k = 4 * s
  local rpm, tpm = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
  local par, budget = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
  local requests, tokens, spent, running = 0, 0, 0, 0
  if rpm > 0 then requests = window_used(KEYS[k + 1]) end
  if tpm > 0 then tokens = window_used(KEYS[k + 2]) end
  if par > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k + 3], '-inf', now)
    running = redis.call('ZCARD', KEYS[k + 3])
  end
  if budget > 0 then spent = tonumber(redis.call('GET', KEYS[k + 4]) or '0') end
  used[#used + 1] = requests
  used[#used + 1] = tokens
  if status == 0 then
    if budget > 0 and spent + math.min(cost, budget) > budget then
      status = 4
    elseif rpm > 0 and requests + 1 > rpm then
      status, retry_ms = 1, ms_until_freed(KEYS[k + 1], requests + 1 - rpm)
    elseif tpm > 0 and tokens + math.min(cost, tpm) > tpm then
      status, retry_ms = 2, ms_until_freed(KEYS[k + 2], tokens + math.min(cost, tpm) - tpm)
    elseif par > 0 and running >= par then
      status = 3
    end
    if status ~= 0 then refused_by = s end
  end
end

if status == 0 then
  for s = 0, subjects - 1 do
    local a = 6 + 5 * s
    local k = 4 * s
    if tonumber(ARGV[a]) > 0 then
      window_add(KEYS[k + 1], bucket, 1)
      used[2 * s + 1] = used[2 * s + 1] + 1
    end
    if tonumber(ARGV[a + 1]) > 0 then
      window_add(KEYS[k + 2], bucket, cost)
      used[2 * s + 2] = used[2 * s + 2] + cost
    end
    if tonumber(ARGV[a + 2]) > 0 then
      redis.call('ZADD', KEYS[k + 3], now + lease_ttl, lease)
      redis.call('PEXPIRE', KEYS[k + 3], 2 * lease_ttl)
    end
    if tonumber(ARGV[a + 3]) > 0 then
      redis.call('INCRBY', KEYS[k + 4], cost)
      redis.call('PEXPIREAT', KEYS[k + 4], ARGV[a + 4])
    end
  end
end

local reply = { status, refused_by, retry_ms, now, bucket }
for i = 1, #used do reply[#reply + 1] = used[i] end
return reply
`

/** Settlements with no admission to ride on. KEYS: 3 per entry; ARGV: bucket ms, then 6 per entry. */
export const SETTLE_LUA = `${WINDOW_LUA}
apply_settles(0, 2, #KEYS / 3)
return 1
`

/** KEYS: a lease set. ARGV: lease id, lease TTL ms. Extends a lease that still exists; never revives one. */
export const RENEW_LUA = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[2])
if redis.call('ZADD', KEYS[1], 'XX', 'GT', 'CH', now + ttl, ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], 2 * ttl)
end
return 1
`
