/** Probe and breaker settings for tests: fast enough to see failover and failback in seconds. */
export const FAST_SYNC = {
  probeIntervalMs: 200,
  healthyProbeIntervalMs: 1000,
  probeMaxIntervalMs: 800,
  probeTimeoutMs: 500,
  requestTimeoutMs: 2000,
  breakerFailures: 2,
  breakerCooldownMs: 500,
  failbackAfterMs: 1000,
  retryBaseMs: 50,
  retryCapMs: 500,
  idlePollMs: 300,
  idlePollMaxMs: 1200,
};
