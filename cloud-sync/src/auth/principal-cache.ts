import type { Queryable } from "../storage/database.ts";
import { findPrincipal, hashToken, type Principal } from "./tokens.ts";

export type PrincipalResolver = (token: string) => Promise<Principal | undefined>;

/**
 * Token look-ups, remembered briefly: a register sends many batches a second and each would
 * otherwise cost a query. Only known tokens are kept (by hash), so guessing fills nothing.
 */
export function cachedPrincipals(db: Queryable, ttlMs = 10_000, maxEntries = 10_000): PrincipalResolver {
  const cache = new Map<string, { principal: Principal; expires: number }>();
  return async (token) => {
    const key = hashToken(token);
    const hit = cache.get(key);
    const now = Date.now();
    if (hit && hit.expires > now) return hit.principal;
    const principal = await findPrincipal(db, token);
    if (principal) {
      if (cache.size >= maxEntries) cache.clear();
      cache.set(key, { principal, expires: now + ttlMs });
    } else {
      cache.delete(key);
    }
    return principal;
  };
}
