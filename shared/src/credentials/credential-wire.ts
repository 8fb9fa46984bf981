import { z } from "zod";

/**
 * Credentials as the operator's tools and the regions speak of them (docs/ARCHITECTURE.md,
 * "Credentials"). A credential is a signed statement of who may do what; regions keep a record
 * of each one (never the credential itself), and those records replicate between regions.
 */
export const CREDENTIAL_KINDS = ["register", "store", "consumer", "admin", "region", "channel"] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

const name = (what: string) => z.string().min(1, `${what} is required`).max(64, `${what} is at most 64 characters`);

/**
 * What a credential is for: a register's writes, a store's tooling, the feed, an operator, a peer
 * region, or an order channel (an online shop recording its orders: `storeId` is the channel's
 * store, `registerId` the channel instance that numbers its events, and it may write only
 * `order.completed` events).
 */
export const CredentialSubjectSchema = z
  .object({
    kind: z.enum(CREDENTIAL_KINDS, { error: `kind must be one of ${CREDENTIAL_KINDS.join(", ")}` }),
    storeId: name("storeId").optional(),
    registerId: name("registerId").optional(),
    regionName: name("regionName").optional(),
  })
  .refine((s) => (s.kind === "store" || s.kind === "register" || s.kind === "channel") === (s.storeId !== undefined), {
    message: "a store, register or channel credential needs storeId, and only those have one",
    path: ["storeId"],
  })
  .refine((s) => (s.kind === "register" || s.kind === "channel") === (s.registerId !== undefined), {
    message:
      "a register or channel credential needs registerId (the one register or channel instance it writes), and only those have one",
    path: ["registerId"],
  })
  .refine((s) => (s.kind === "region") === (s.regionName !== undefined), {
    message: "a region credential needs regionName (the peer region that uses it), and only a region credential has one",
    path: ["regionName"],
  });
export type CredentialSubject = z.infer<typeof CredentialSubjectSchema>;

/** `POST /v1/admin/credentials`. */
export const IssueCredentialRequestSchema = z.intersection(
  CredentialSubjectSchema,
  z.object({
    label: z.string().max(200, "label is at most 200 characters").optional(),
    /** Absent: the credential holds until it is revoked or rotated. */
    expiresInSeconds: z.number().int().positive("expiresInSeconds must be a positive whole number").optional(),
  }),
);
export type IssueCredentialRequest = z.infer<typeof IssueCredentialRequestSchema>;

/** `POST /v1/admin/credentials/:id/rotate`: the old credential keeps working for overlapSeconds. */
export const RotateCredentialRequestSchema = z.object({
  overlapSeconds: z
    .number()
    .int()
    .min(0, "overlapSeconds must be 0 (the old credential stops at once) or more")
    .max(30 * 86_400, "overlapSeconds is at most 30 days")
    .default(3600),
});
export type RotateCredentialRequest = z.infer<typeof RotateCredentialRequestSchema>;

/** A region's record of a credential: everything but the credential itself. */
export const CredentialRecordSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(CREDENTIAL_KINDS),
  storeId: z.string().nullable(),
  registerId: z.string().nullable(),
  regionName: z.string().nullable(),
  label: z.string(),
  issuedAt: z.string(),
  issuedBy: z.string(),
  /** When it stops working on its own: its expiry, or the end of a rotation's overlap. */
  notAfter: z.string().nullable(),
  revokedAt: z.string().nullable(),
  /** The credential id of whoever revoked it. */
  revokedBy: z.string().nullable(),
});
export type CredentialRecord = z.infer<typeof CredentialRecordSchema>;

/** A new credential: the secret is in this answer and nowhere else. */
export const IssuedCredentialSchema = z.object({
  credential: z.string().min(1),
  record: CredentialRecordSchema,
});
export type IssuedCredential = z.infer<typeof IssuedCredentialSchema>;

export const CredentialListSchema = z.object({ region: z.string(), items: z.array(CredentialRecordSchema) });
export type CredentialList = z.infer<typeof CredentialListSchema>;

/** A store whose credentials issued before `revokedBefore` are all refused. */
export const StoreCutoffSchema = z.object({
  storeId: z.string().min(1),
  revokedBefore: z.string(),
  revokedBy: z.string().nullable(),
});
export type StoreCutoff = z.infer<typeof StoreCutoffSchema>;

/** `GET /v1/replication/credentials`: the records and store cutoffs changed after a cursor. */
export const CredentialChangesSchema = z.object({
  region: z.string(),
  records: z.array(CredentialRecordSchema),
  cutoffs: z.array(StoreCutoffSchema),
  nextCursor: z.number().int().nonnegative(),
  head: z.number().int().nonnegative(),
});
export type CredentialChanges = z.infer<typeof CredentialChangesSchema>;

/** `POST /v1/admin/credentials/:id/rotate`: the new credential, and the old one's record with its end of overlap. */
export const RotatedCredentialSchema = IssuedCredentialSchema.extend({ replaced: CredentialRecordSchema });
export type RotatedCredential = z.infer<typeof RotatedCredentialSchema>;

/** `POST /v1/admin/credentials/:id/revoke`. */
export const RevokedCredentialSchema = z.object({ region: z.string(), record: CredentialRecordSchema });
export type RevokedCredential = z.infer<typeof RevokedCredentialSchema>;

/** `POST /v1/admin/stores/:storeId/revoke-credentials`: every credential of the store issued before now is refused. */
export const StoreRevocationSchema = z.object({ region: z.string(), cutoff: StoreCutoffSchema });
export type StoreRevocation = z.infer<typeof StoreRevocationSchema>;
