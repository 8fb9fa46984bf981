import type { CredentialRecord, IssueCredentialRequest, IssuedCredential } from "@tenderline/shared";
import type { Database } from "../storage/database.ts";
import type { IssuerKey } from "./credential-keys.ts";
import { findCredential, recordCredential, recordFromClaims, retireCredential } from "./credential-register.ts";
import { signCredential } from "./signed-credentials.ts";

export class CredentialNotFound extends Error {
  constructor(readonly id: string) {
    super(`no credential ${id} is known to this region`);
    this.name = "CredentialNotFound";
  }
}

/**
 * Issues credentials at a region that holds the retailer's private key: signs one, keeps its
 * record (which then replicates) and hands the credential back, the only time it is seen.
 */
export class CredentialIssuer {
  constructor(
    private readonly db: Database,
    private readonly region: string,
    private readonly key: IssuerKey,
  ) {}

  async issue(request: IssueCredentialRequest, issuedBy: string, now = new Date()): Promise<IssuedCredential> {
    const { label, expiresInSeconds, ...subject } = request;
    const expiresAt = expiresInSeconds === undefined ? null : new Date(now.getTime() + expiresInSeconds * 1000);
    const { credential, claims } = await signCredential(this.key, subject, { issuedAt: now, expiresAt });
    const record = await recordCredential(
      this.db,
      recordFromClaims(claims, { label: label ?? "", issuedBy: `${issuedBy} at ${this.region}` }),
    );
    return { credential, record };
  }

  /**
   * A new credential for the same register (store, peer…), and the old one ends after
   * `overlapSeconds`, so the holder can switch without a moment where neither works.
   */
  async rotate(
    id: string,
    overlapSeconds: number,
    issuedBy: string,
    now = new Date(),
  ): Promise<IssuedCredential & { replaced: CredentialRecord }> {
    const old = await findCredential(this.db, id);
    if (!old) throw new CredentialNotFound(id);
    const fresh = await this.issue(
      {
        kind: old.kind,
        ...(old.storeId ? { storeId: old.storeId } : {}),
        ...(old.registerId ? { registerId: old.registerId } : {}),
        ...(old.regionName ? { regionName: old.regionName } : {}),
        label: old.label,
      },
      issuedBy,
      now,
    );
    const replaced = (await retireCredential(this.db, id, new Date(now.getTime() + overlapSeconds * 1000))) as CredentialRecord;
    return { ...fresh, replaced };
  }
}
