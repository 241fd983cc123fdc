-- Shared by upsert.lua and the janitor: drop articles whose TTL has passed
-- from every set that still names them. The record itself is gone already
-- (Redis expired it); the member list survives in the members hash so that
-- nothing is left behind in the per-site, language, author, tag and simhash
-- sets.
local SEP = '\31'

-- Redis's own clock in ms: records expire by it, so sets are swept by it too.
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function split(s)
  local out = {}
  if not s or s == '' then return out end
  for part in string.gmatch(s, '[^' .. SEP .. ']+') do out[#out + 1] = part end
  return out
end

-- expkey: zset id -> expiry ms; memkey: hash id -> member sets;
-- siteskey: zset site -> expiry ms of its newest article; hostkey: hash site -> host;
-- langskey: zset language -> expiry ms of its newest article.
local function sweep(expkey, memkey, siteskey, hostkey, langskey, now, limit)
  local expired = redis.call('ZRANGEBYSCORE', expkey, '-inf', now, 'LIMIT', 0, limit)
  for _, id in ipairs(expired) do
    for _, key in ipairs(split(redis.call('HGET', memkey, id))) do
      redis.call('ZREM', key, id)
    end
    redis.call('HDEL', memkey, id)
    redis.call('ZREM', expkey, id)
  end
  local sites = redis.call('ZRANGEBYSCORE', siteskey, '-inf', now, 'LIMIT', 0, limit)
  if #sites > 0 then
    redis.call('ZREM', siteskey, unpack(sites))
    redis.call('HDEL', hostkey, unpack(sites))
  end
  redis.call('ZREMRANGEBYSCORE', langskey, '-inf', now)
  return #expired
end
