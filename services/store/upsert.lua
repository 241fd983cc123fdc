-- Writes one article atomically and idempotently (sweep.lua is prepended).
--
-- KEYS[1] record hash  KEYS[2] expiry zset  KEYS[3] members hash
-- KEYS[4] sites zset   KEYS[5] site hosts hash  KEYS[6] languages zset
-- ARGV  1 id           2 json            3 content hash     4 modified ms
--       5 parsed ms    6 score (ms)      7 ttl ms           8 site token
--       9 host        10 language       11 authors         12 tags
--      13 title (lc)  14 simhash        15 index sets      16 URL keys
--      17 content-hash key ('' = too short to be linked)   18 simhash band sets
--      19 record key prefix             20 max Hamming distance
--      21 duplicate back-link key prefix  22 primary language subtag ('' = none)
--      23 summary json (no body, no images)
-- Lists are joined with \31. Keys that depend on the article (its index
-- sets, its duplicate candidates) are computed by the caller or read from
-- Redis, so the script touches keys it was not given: on Redis Cluster every
-- key must share one hash slot (a prefix like "{newsflow}:").
--
-- Returns {result, duplicate_of}: result 0 unchanged (same content), 1
-- created, 2 stale (older than the stored version), 3 replaced.
local id = ARGV[1]
local rp = ARGV[19]
local now = now_ms()

local cur = redis.call('HMGET', KEYS[1], 'ch', 'mod', 'pars', 'dup', 'urls', 'chk')
local result = 1
if cur[1] then
  -- A redelivery changes nothing; the same body with newer metadata (a
  -- corrected headline, a re-parse) is a new version, handled below.
  if cur[1] == ARGV[3] and (tonumber(cur[2]) or 0) == tonumber(ARGV[4])
     and tonumber(ARGV[5]) <= (tonumber(cur[3]) or 0) then
    return {0, cur[4] or ''}
  end
  local om, nm = tonumber(cur[2]) or 0, tonumber(ARGV[4])
  if nm < om or (nm == om and tonumber(ARGV[5]) < (tonumber(cur[3]) or 0)) then
    return {2, cur[4] or ''} -- an older version never replaces a newer one
  end
  result = 3
  for _, k in ipairs(split(cur[5])) do
    if redis.call('GET', k) == id then redis.call('DEL', k) end
  end
  if cur[6] and cur[6] ~= '' and redis.call('GET', cur[6]) == id then
    redis.call('DEL', cur[6])
  end
end
-- Index repair: leave every set the previous version (or an expired,
-- not yet swept one) was in; the new version joins its own sets below.
for _, k in ipairs(split(redis.call('HGET', KEYS[3], id))) do
  redis.call('ZREM', k, id)
end

-- Near-duplicates: a candidate shares the exact content hash or one 16-bit
-- band of the simhash (so any copy within 3 bits is found); it counts when
-- its simhash is within ARGV[20] bits and it comes from another site.
local function popcount(x)
  local c = 0
  while x ~= 0 do
    x = bit.band(x, x - 1) -- clears the lowest set bit: one turn per bit set
    c = c + 1
  end
  return c
end
local function hamming(a, b)
  local d = 0
  for i = 1, 13, 4 do
    d = d + popcount(bit.bxor(tonumber(string.sub(a, i, i + 3), 16), tonumber(string.sub(b, i, i + 3), 16)))
  end
  return d
end
local site, score = ARGV[8], tonumber(ARGV[6])
local best, bestScore
local originals = {} -- every original found, by id: its score
-- A wire story's copies all name one original: it is read once.
local named = {} -- original id -> {score, site}, or false when gone
-- f is the candidate's score, dup and site.
local function consider(cid, f)
  if not f[1] then return end
  local o = f[2]
  if o and o ~= '' then
    -- Link to the original the candidate names, while it exists.
    local g = named[o]
    if g == nil then
      g = redis.call('HMGET', rp .. o, 'score', 'site')
      if not g[1] then g = false end
      named[o] = g
    end
    if g then cid, f = o, {g[1], '', g[2]} end
  end
  if cid == id or f[3] == site then return end
  local s = tonumber(f[1])
  originals[cid] = s
  if not best or s < bestScore or (s == bestScore and cid < best) then
    best, bestScore = cid, s
  end
end
if ARGV[17] ~= '' then
  local seen, sim, maxd = {}, ARGV[14], tonumber(ARGV[20])
  local cid = redis.call('GET', ARGV[17])
  if cid and cid ~= id then
    seen[cid] = true
    consider(cid, redis.call('HMGET', rp .. cid, 'score', 'dup', 'site'))
  end
  for _, k in ipairs(split(ARGV[18])) do
    for _, c in ipairs(redis.call('ZRANGEBYSCORE', k, now, '+inf', 'LIMIT', 0, 64)) do
      if c ~= id and not seen[c] then
        seen[c] = true
        -- One read per candidate: what consider needs, and its simhash.
        local f = redis.call('HMGET', rp .. c, 'score', 'dup', 'site', 'sim')
        local cs = f[4]
        if cs and #cs == 16 and hamming(sim, cs) <= maxd then consider(c, f) end
      end
    end
  end
end
local dup, remarked = '', {}
if best then
  if score > bestScore or (score == bestScore and id > best) then
    dup = best
  else
    -- This copy was published first: the stored ones become its duplicates.
    for cid, s in pairs(originals) do
      if s > score or (s == score and cid > id) then
        redis.call('HSET', rp .. cid, 'dup', id)
        remarked[#remarked + 1] = cid
      end
    end
  end
end

local ttl = tonumber(ARGV[7])
local exp = now + ttl
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'ch', ARGV[3], 'mod', ARGV[4], 'pars', ARGV[5],
  'score', ARGV[6], 'site', site, 'lang', ARGV[10], 'au', ARGV[11], 'tg', ARGV[12], 'tl', ARGV[13],
  'sim', ARGV[14], 'dup', dup, 'urls', ARGV[16], 'chk', ARGV[17], 'sum', ARGV[23])
redis.call('PEXPIREAT', KEYS[1], exp)
-- A set lives as long as its newest member, so a set nobody writes to any
-- more disappears on its own. It is extended a 64th of the TTL past that,
-- so that the writes of the next such span find it long-lived enough and
-- leave it be: one call per set and write instead of two.
local slack = math.floor(ttl / 64)
local function keep(k)
  if redis.call('PTTL', k) < ttl then redis.call('PEXPIREAT', k, exp + slack) end
end
-- Copies point back through P d:<original>, so that a rewritten original
-- lets go of the copies it no longer resembles.
local dp = ARGV[21]
local function link(orig, copy)
  redis.call('SADD', dp .. orig, copy)
  keep(dp .. orig)
end
if dup ~= '' then link(dup, id) end
for _, c in ipairs(remarked) do link(id, c) end
if result == 3 then
  if cur[4] and cur[4] ~= '' and cur[4] ~= dup then redis.call('SREM', dp .. cur[4], id) end
  local maxd, sim = tonumber(ARGV[20]), ARGV[14]
  for _, c in ipairs(redis.call('SRANDMEMBER', dp .. id, 200)) do
    local f = redis.call('HMGET', rp .. c, 'sim', 'ch', 'dup')
    local still = f[3] == id and ARGV[17] ~= '' and (f[2] == ARGV[3] or
      (#sim == 16 and f[1] and #f[1] == 16 and hamming(sim, f[1]) <= maxd))
    if not still then
      if f[3] == id then redis.call('HSET', rp .. c, 'dup', '') end
      redis.call('SREM', dp .. id, c)
    end
  end
end

local members = {}
for _, k in ipairs(split(ARGV[15])) do
  redis.call('ZADD', k, score, id)
  keep(k)
  members[#members + 1] = k
end
for _, k in ipairs(split(ARGV[18])) do
  redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
  redis.call('ZADD', k, exp, id)
  keep(k)
  members[#members + 1] = k
end
for _, k in ipairs(split(ARGV[16])) do
  redis.call('SET', k, id, 'PXAT', exp)
end
if ARGV[17] ~= '' then
  -- The content-hash key names the first live copy.
  local c = redis.call('GET', ARGV[17])
  if not c or c == id or redis.call('EXISTS', rp .. c) == 0 then
    redis.call('SET', ARGV[17], id, 'PXAT', exp)
  end
end
redis.call('HSET', KEYS[3], id, table.concat(members, SEP))
redis.call('ZADD', KEYS[2], exp, id)
redis.call('ZADD', KEYS[4], 'GT', exp, site)
redis.call('HSET', KEYS[5], site, ARGV[9])
if ARGV[22] ~= '' then redis.call('ZADD', KEYS[6], 'GT', exp, ARGV[22]) end
for i = 2, 6 do keep(KEYS[i]) end
sweep(KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], now, 100)
return {result, dup}
