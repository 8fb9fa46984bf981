import { createHash } from "node:crypto";
import { type CredentialKind, CredentialSubjectSchema } from "@tenderline/shared";
import { z } from "zod";
import type { Queryable } from "../storage/database.ts";

export type TokenKind = CredentialKind;

/** Who a request is from, whichever way its bearer token was proven. */
export interface Principal {
  kind: TokenKind;
  storeId: string | null;
  /**
   * A register credential's own register: it writes and reads that register only. An order
   * channel credential's channel instance (e.g. web-1), which numbers its orders' seqs.
   */
  registerId: string | null;
  regionName: string | null;
  /** A signed credential's id (what revoke and rotate name); null for a bootstrap token. */
  credentialId: string | null;
}

/**
 * Bootstrap tokens: opaque secrets given in a region's configuration and kept here as SHA-256
 * hashes. They exist for tests that run one region in-process; they are per-region and cannot be
 * rotated, so deployments use signed credentials (signed-credentials.ts) instead.
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export const BootstrapTokensSchema = z.array(
  z.intersection(
    CredentialSubjectSchema,
    z.object({
      token: z.string().min(16, "a bootstrap token must be at least 16 characters"),
      label: z.string().max(200).optional(),
    }),
  ),
);
export type BootstrapToken = z.infer<typeof BootstrapTokensSchema>[number];

export async function seedTokens(db: Queryable, tokens: readonly BootstrapToken[]): Promise<void> {
  for (const t of tokens) {
    await db.query(
      `INSERT INTO tokens (token_hash, kind, store_id, register_id, region_name, label) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (token_hash) DO UPDATE SET kind = EXCLUDED.kind, store_id = EXCLUDED.store_id,
         register_id = EXCLUDED.register_id, region_name = EXCLUDED.region_name, label = EXCLUDED.label`,
      [hashToken(t.token), t.kind, t.storeId ?? null, t.registerId ?? null, t.regionName ?? null, t.label ?? ""],
    );
  }
}

export async function findBootstrapPrincipal(db: Queryable, token: string): Promise<Principal | undefined> {
  const rows = await db.query<{
    kind: TokenKind;
    store_id: string | null;
    register_id: string | null;
    region_name: string | null;
  }>("SELECT kind, store_id, register_id, region_name FROM tokens WHERE token_hash = $1", [hashToken(token)]);
  const row = rows[0];
  return row
    ? { kind: row.kind, storeId: row.store_id, registerId: row.register_id, regionName: row.region_name, credentialId: null }
    : undefined;
}
