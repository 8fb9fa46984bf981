import type { Queryable } from "../storage/database.ts";
import { loadRefusals, type Refusals } from "./credential-register.ts";
import type { CredentialClaims } from "./signed-credentials.ts";

/**
 * What this region knows of revocations, rotations and store cutoffs, held in memory and read
 * again from the database at most `refreshMs` after the last read. Every instance of a region
 * reads the same tables, so a revocation made through any instance, or pulled from a peer, holds
 * in all of them within refreshMs. Checking a credential costs map look-ups, not a query.
 */
export class CredentialStatus {
  private refusals: Refusals = { revoked: new Map(), notAfter: new Map(), storeCutoffs: new Map() };
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly refreshMs = 1000,
  ) {}

  /** Why this (validly signed) credential is refused now, or null when it is good. */
  async refusal(claims: CredentialClaims, now = Date.now()): Promise<string | null> {
    if (now - this.loadedAt > this.refreshMs) await this.reload();
    const { revoked, notAfter, storeCutoffs } = this.refusals;
    const revokedAt = revoked.get(claims.id);
    if (revokedAt && revokedAt.getTime() <= now) {
      return `this credential (${claims.id}) was revoked at ${revokedAt.toISOString()}; ask for a new one`;
    }
    const end = notAfter.get(claims.id) ?? claims.expiresAt;
    if (end && end.getTime() <= now) {
      return `this credential (${claims.id}) stopped working at ${end.toISOString()} (rotated or expired); use its replacement`;
    }
    const cutoff = claims.storeId === null ? undefined : storeCutoffs.get(claims.storeId);
    if (cutoff && claims.issuedAt.getTime() < cutoff.getTime()) {
      return `every credential of store ${claims.storeId} issued before ${cutoff.toISOString()} was revoked; ask for a new one`;
    }
    return null;
  }

  /** Reads the refusals on the next check (a revocation made here takes effect at once). */
  invalidate(): void {
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  private reload(): Promise<void> {
    this.loading ??= loadRefusals(this.db)
      .then((refusals) => {
        this.refusals = refusals;
        this.loadedAt = Date.now();
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
