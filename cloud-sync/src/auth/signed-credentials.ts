import { randomBytes } from "node:crypto";
import { CREDENTIAL_KINDS, type CredentialKind, type CredentialSubject } from "@tenderline/shared";
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { IssuerKey, TrustedKeys } from "./credential-keys.ts";

/**
 * A credential is a JWT signed with the retailer's Ed25519 key: any region holding the public key
 * verifies it with no look-up, so it is good everywhere from the moment it is issued. Whether it
 * has since been revoked or rotated out is the credential register's business (credential-register.ts).
 */
const ISSUER = "tenderline";

export interface CredentialClaims {
  id: string;
  kind: CredentialKind;
  storeId: string | null;
  registerId: string | null;
  regionName: string | null;
  issuedAt: Date;
  expiresAt: Date | null;
}

const TenderlineClaimSchema = z.object({
  kind: z.enum(CREDENTIAL_KINDS),
  storeId: z.string().min(1).optional(),
  registerId: z.string().min(1).optional(),
  regionName: z.string().min(1).optional(),
  /** iat is whole seconds; a store's cutoff needs the issue time to the millisecond. */
  issuedAtMs: z.number().int().positive(),
});

export function newCredentialId(): string {
  return `cred_${randomBytes(12).toString("base64url")}`;
}

export async function signCredential(
  issuer: IssuerKey,
  subject: CredentialSubject,
  options: { id?: string; issuedAt?: Date; expiresAt?: Date | null } = {},
): Promise<{ credential: string; claims: CredentialClaims }> {
  const issuedAt = options.issuedAt ?? new Date();
  const claims: CredentialClaims = {
    id: options.id ?? newCredentialId(),
    kind: subject.kind,
    storeId: subject.storeId ?? null,
    registerId: subject.registerId ?? null,
    regionName: subject.regionName ?? null,
    issuedAt,
    expiresAt: options.expiresAt ?? null,
  };
  const tl = {
    kind: subject.kind,
    ...(subject.storeId ? { storeId: subject.storeId } : {}),
    ...(subject.registerId ? { registerId: subject.registerId } : {}),
    ...(subject.regionName ? { regionName: subject.regionName } : {}),
    issuedAtMs: issuedAt.getTime(),
  };
  const jwt = new SignJWT({ tl })
    .setProtectedHeader({ alg: "EdDSA", kid: issuer.kid, typ: "JWT" })
    .setIssuer(ISSUER)
    .setSubject(claims.id)
    .setIssuedAt(Math.floor(issuedAt.getTime() / 1000));
  if (claims.expiresAt) jwt.setExpirationTime(Math.floor(claims.expiresAt.getTime() / 1000));
  return { credential: await jwt.sign(issuer.key), claims };
}

/** Whether a bearer token is shaped like a signed credential (three base64url parts, a JSON header). */
export function looksSigned(token: string): boolean {
  return /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

export type Verified = { ok: true; claims: CredentialClaims } | { ok: false; reason: string };

export async function verifyCredential(keys: TrustedKeys, credential: string): Promise<Verified> {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(credential).kid;
  } catch (error) {
    return { ok: false, reason: `this credential is malformed (${(error as Error).message})` };
  }
  const key = keys.get(kid);
  if (!key) return { ok: false, reason: "this credential is signed by a key this region does not trust" };
  try {
    const { payload } = await jwtVerify(credential, key, { algorithms: ["EdDSA"], issuer: ISSUER });
    const tl = TenderlineClaimSchema.safeParse(payload.tl);
    if (!tl.success || typeof payload.sub !== "string") return { ok: false, reason: "this credential carries no valid subject" };
    return {
      ok: true,
      claims: {
        id: payload.sub,
        kind: tl.data.kind,
        storeId: tl.data.storeId ?? null,
        registerId: tl.data.registerId ?? null,
        regionName: tl.data.regionName ?? null,
        issuedAt: new Date(tl.data.issuedAtMs),
        expiresAt: payload.exp === undefined ? null : new Date(payload.exp * 1000),
      },
    };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, reason: "this credential has expired; ask for a new one" };
    if (error instanceof errors.JOSEError) return { ok: false, reason: `this credential does not verify (${error.code})` };
    throw error;
  }
}
