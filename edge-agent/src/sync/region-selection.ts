import type { SyncBreakerState } from "@tenderline/shared";

export interface RegionHealthView {
  name: string;
  /** null until the first probe answers. */
  probeOk: boolean | null;
  /** Since when the region has been healthy without interruption (probes ok, no failed batch); null if not. */
  healthySince: number | null;
}

/**
 * The order in which to try regions for the next batch (regions given in priority order, the first
 * is home). The current region stays first while it is usable; a higher-priority region takes over
 * only once it has been healthy for `failbackAfterMs` (no flapping back to a region that just came
 * up). With no current region, the first usable one by priority. Regions whose probe failed go
 * last: the breakers, not the probes, have the final word. With every probe failed, the current
 * region first, then by priority.
 */
export function chooseOrder(
  regions: readonly RegionHealthView[],
  current: string | null,
  now: number,
  failbackAfterMs: number,
): string[] {
  const usable = regions.filter((r) => r.probeOk !== false);
  const down = regions.filter((r) => r.probeOk === false).map((r) => r.name);
  // Every probe failing (one region down, the other's probe timing out under load): the region
  // that took the last batch stays first, rather than going back to home, which is down.
  if (usable.length === 0) {
    const names = regions.map((r) => r.name);
    return current !== null && names.includes(current) ? [current, ...names.filter((n) => n !== current)] : names;
  }
  const currentIndex = usable.findIndex((r) => r.name === current);
  let first = currentIndex >= 0 ? usable[currentIndex] : undefined;
  const limit = currentIndex >= 0 ? currentIndex : usable.length;
  for (let i = 0; i < limit; i++) {
    const r = usable[i] as RegionHealthView;
    if (!first || (r.healthySince !== null && now - r.healthySince >= failbackAfterMs)) {
      first = r;
      break;
    }
  }
  const chosen = (first ?? usable[0]) as RegionHealthView;
  return [chosen.name, ...usable.filter((r) => r !== chosen).map((r) => r.name), ...down];
}

/**
 * After a failed batch: whether to send it to the same region again (after a back-off) rather than
 * to the next one. Yes while the region is the register's current one and nothing says it is down
 * (its breaker closed, its probe not failed): one timeout or reset, an instance dying behind the
 * region's balancer, must not move sales to another region. A region not yet current is passed
 * over at its first failure.
 */
export function retriesSameRegion(
  region: { name: string; breakerState: SyncBreakerState; probeOk: boolean | null },
  current: string | null,
): boolean {
  return region.name === current && region.breakerState === "closed" && region.probeOk !== false;
}
