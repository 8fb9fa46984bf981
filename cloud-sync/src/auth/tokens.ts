import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import type { Queryable } from "../storage/database.ts";

export const TOKEN_KINDS = ["store", "register", "consumer", "admin", "region"] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export interface Principal {
  kind: TokenKind;
  storeId: string | null;
  /** A register token's own register: it writes and reads that register only. */
  registerId: string | null;
  regionName: string | null;
}

export const TokenSpecSchema = z
  .object({
    kind: z.enum(TOKEN_KINDS, { error: "kind must be one of store, register, consumer, admin, region" }),
    storeId: z.string().min(1).max(64).optional(),
    registerId: z.string().min(1).max(64).optional(),
    regionName: z.string().min(1).max(64).optional(),
    label: z.string().max(200).optional(),
  })
  .refine((s) => (s.kind === "store" || s.kind === "register") === (s.storeId !== undefined), {
    message: "a store or register token needs storeId, and only those have one",
    path: ["storeId"],
  })
  .refine((s) => (s.kind === "register") === (s.registerId !== undefined), {
    message: "a register token needs registerId (the one register it writes), and only a register token has one",
    path: ["registerId"],
  })
  .refine((s) => (s.kind === "region") === (s.regionName !== undefined), {
    message: "a region token needs regionName (the peer region that uses it), and only a region token has one",
    path: ["regionName"],
  });
export type TokenSpec = z.infer<typeof TokenSpecSchema>;

/** Tokens are 256 random bits, so a plain SHA-256 is enough to keep them unusable at rest. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function newToken(kind: TokenKind): string {
  return `tl_${kind}_${randomBytes(32).toString("base64url")}`;
}

/** Stores the hash of `token` (a new random one when omitted) and returns the token itself, once. */
export async function createToken(db: Queryable, spec: TokenSpec, token: string = newToken(spec.kind)): Promise<string> {
  if (token.length < 16) throw new RangeError("a token must be at least 16 characters");
  await db.query(
    `INSERT INTO tokens (token_hash, kind, store_id, register_id, region_name, label) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (token_hash) DO UPDATE SET kind = EXCLUDED.kind, store_id = EXCLUDED.store_id,
       register_id = EXCLUDED.register_id, region_name = EXCLUDED.region_name, label = EXCLUDED.label`,
    [hashToken(token), spec.kind, spec.storeId ?? null, spec.registerId ?? null, spec.regionName ?? null, spec.label ?? ""],
  );
  return token;
}

export async function findPrincipal(db: Queryable, token: string): Promise<Principal | undefined> {
  const rows = await db.query<{
    kind: TokenKind;
    store_id: string | null;
    register_id: string | null;
    region_name: string | null;
  }>("SELECT kind, store_id, register_id, region_name FROM tokens WHERE token_hash = $1", [hashToken(token)]);
  const row = rows[0];
  return row ? { kind: row.kind, storeId: row.store_id, registerId: row.register_id, regionName: row.region_name } : undefined;
}

/** Tokens given in configuration (tests, demos): `[{ "token": "...", "kind": "store", "storeId": "s1" }, …]`. */
export const BootstrapTokensSchema = z.array(
  z.intersection(TokenSpecSchema, z.object({ token: z.string().min(16, "a bootstrap token must be at least 16 characters") })),
);
export type BootstrapToken = z.infer<typeof BootstrapTokensSchema>[number];

export async function seedTokens(db: Queryable, tokens: readonly BootstrapToken[]): Promise<void> {
  for (const { token, ...spec } of tokens) await createToken(db, spec, token);
}
