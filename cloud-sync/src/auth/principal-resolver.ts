import type { Logger } from "../logging/logger.ts";
import type { Database } from "../storage/database.ts";
import type { TrustedKeys } from "./credential-keys.ts";
import { findCredential, recordCredential, recordFromClaims } from "./credential-register.ts";
import { CredentialStatus } from "./credential-status.ts";
import { type CredentialClaims, looksSigned, verifyCredential } from "./signed-credentials.ts";
import { findBootstrapPrincipal, hashToken, type Principal } from "./tokens.ts";

export type Resolution = { ok: true; principal: Principal } | { ok: false; reason: string };

export interface PrincipalResolver {
  (token: string): Promise<Resolution>;
  /** Revocations made in this process hold from the next request, not the next refresh. */
  invalidate(): void;
}

export interface ResolverOptions {
  region: string;
  /** Public keys signed credentials are verified with; none: only bootstrap tokens are known. */
  trustedKeys?: TrustedKeys;
  /** How stale this process's view of revocations may be (default 1 s). */
  refreshMs?: number;
  logger?: Logger;
  maxEntries?: number;
}

const BOOTSTRAP_TTL_MS = 10_000;

/**
 * Turns a bearer token into a principal. A signed credential is verified once (a signature check,
 * then remembered by hash) and checked against the credential register on every request; a
 * credential seen here for the first time is recorded, so it can be listed and revoked by id.
 * An opaque token is a bootstrap token from the region's config, looked up and remembered briefly.
 */
export function createPrincipalResolver(db: Database, options: ResolverOptions): PrincipalResolver {
  const status = new CredentialStatus(db, options.refreshMs ?? 1000);
  const maxEntries = options.maxEntries ?? 10_000;
  const verified = new Map<string, { claims: CredentialClaims; principal: Principal }>();
  const bootstrap = new Map<string, { principal: Principal; expires: number }>();
  const unknown = { ok: false as const, reason: "this token is not known to this region" };

  const remember = async (claims: CredentialClaims): Promise<void> => {
    try {
      // Almost always known already (issued here, replicated, or seen by another instance): a
      // read, not the register's write lock. Every instance of a region that restarts meets
      // thousands of registers at once; queued on that one lock they held the pool and stalled ingest.
      if (await findCredential(db, claims.id)) return;
      await recordCredential(db, recordFromClaims(claims, { label: "", issuedBy: `first seen by ${options.region}` }));
    } catch (error) {
      // The credential is valid either way; only its listing waits for the next request.
      options.logger?.warn(
        { err: { message: (error as Error).message }, credentialId: claims.id },
        "could not record a credential",
      );
    }
  };

  const signed = async (token: string): Promise<Resolution> => {
    if (!options.trustedKeys) return { ok: false, reason: "this region trusts no credential keys (credentialTrustedKeys)" };
    const key = hashToken(token);
    let hit = verified.get(key);
    if (!hit) {
      const result = await verifyCredential(options.trustedKeys, token);
      if (!result.ok) return result;
      const { claims } = result;
      hit = {
        claims,
        principal: {
          kind: claims.kind,
          storeId: claims.storeId,
          registerId: claims.registerId,
          regionName: claims.regionName,
          credentialId: claims.id,
        },
      };
      if (verified.size >= maxEntries) verified.clear();
      verified.set(key, hit);
      await remember(claims);
    }
    const refusal = await status.refusal(hit.claims);
    return refusal ? { ok: false, reason: refusal } : { ok: true, principal: hit.principal };
  };

  const opaque = async (token: string): Promise<Resolution> => {
    const key = hashToken(token);
    const now = Date.now();
    const hit = bootstrap.get(key);
    if (hit && hit.expires > now) return { ok: true, principal: hit.principal };
    const principal = await findBootstrapPrincipal(db, token);
    if (!principal) {
      bootstrap.delete(key);
      return unknown;
    }
    if (bootstrap.size >= maxEntries) bootstrap.clear();
    bootstrap.set(key, { principal, expires: now + BOOTSTRAP_TTL_MS });
    return { ok: true, principal };
  };

  const resolve = ((token: string) => (looksSigned(token) ? signed(token) : opaque(token))) as PrincipalResolver;
  resolve.invalidate = () => status.invalidate();
  return resolve;
}
