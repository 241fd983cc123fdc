-- KEYS[1] article hash, KEYS[2] published index, KEYS[3] expiry index
-- ARGV: json, content hash, modified ms, score, ttl s, id, now ms
local cur = redis.call('HMGET', KEYS[1], 'hash', 'modified')
if cur[1] then
  if cur[1] == ARGV[2] then
    return 0 -- same content: a redelivery changes nothing
  end
  if cur[2] and tonumber(cur[2]) > tonumber(ARGV[3]) then
    return 0 -- an older version never replaces a newer one
  end
end
redis.call('HSET', KEYS[1], 'json', ARGV[1], 'hash', ARGV[2], 'modified', ARGV[3], 'score', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[6])
redis.call('ZADD', KEYS[3], tonumber(ARGV[7]) + tonumber(ARGV[5]) * 1000, ARGV[6])
-- Index entries expire with their articles: drop a bounded batch of the
-- expired ones on every write.
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[7], 'LIMIT', 0, 100)
if #expired > 0 then
  redis.call('ZREM', KEYS[2], unpack(expired))
  redis.call('ZREM', KEYS[3], unpack(expired))
end
return 1
