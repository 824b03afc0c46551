// A token bucket per tenant, held in Redis, so every request of a tenant's jobs draws from
// one budget whichever worker process sends it (Airtable allows 50 requests per second per
// token, across all of that token's traffic). Queue plumbing: it delays a request until the
// bucket has a token and decides nothing about the run; the engine paces each run by its
// profile and handles any 429 the server still answers. The engine sees a delayed request as
// a slow answer (well within its request timeout at these rates).

// KEYS[1]: the bucket. ARGV: rate (tokens per second), burst (bucket size). Redis's own clock
// (TIME), so workers on machines with different clocks share one timeline. Returns 0 when a
// token was taken, else the milliseconds until one is due.
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000)
return wait
`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fetch that takes a token from tenant `tenant.id`'s bucket (`tenant.requestsPerSecond`,
 * `tenant.burst`) before each request. With `record`, each send's time (Redis's clock, ms) is
 * pushed to the list `sent:<tenant>`, for a test to check the budget held.
 */
export function tenantFetch(redis, tenant, { record = false } = {}) {
  const key = `bucket:${tenant.id}`;
  const rate = tenant.requestsPerSecond;
  const burst = tenant.burst ?? Math.max(1, Math.ceil(rate / 10));
  return async (url, init) => {
    for (;;) {
      const wait = Number(await redis.eval(TAKE, 1, key, rate, burst));
      if (wait === 0) break;
      await sleep(wait);
    }
    if (record) {
      const [s, us] = await redis.time();
      await redis.rpush(`sent:${tenant.id}`, Number(s) * 1000 + Math.floor(Number(us) / 1000));
    }
    return fetch(url, init);
  };
}
