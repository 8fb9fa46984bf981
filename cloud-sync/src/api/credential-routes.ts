import {
  CREDENTIAL_KINDS,
  type CredentialChanges,
  type CredentialKind,
  type CredentialList,
  fail,
  IssueCredentialRequestSchema,
  type IssuedCredential,
  type RevokedCredential,
  RotateCredentialRequestSchema,
  type RotatedCredential,
  type StoreRevocation,
} from "@tenderline/shared";
import type { Hono } from "hono";
import { type CredentialIssuer, CredentialNotFound } from "../auth/credential-issuer.ts";
import { listCredentials, readCredentialChanges, revokeCredential, revokeStoreCredentials } from "../auth/credential-register.ts";
import type { PrincipalResolver } from "../auth/principal-resolver.ts";
import type { Principal } from "../auth/tokens.ts";
import type { Database } from "../storage/database.ts";
import { type AuthEnv, requireToken } from "./auth.ts";
import { readBody } from "./read-body.ts";

export interface CredentialRouteDeps {
  region: string;
  db: Database;
  principals: PrincipalResolver;
  /** Absent when this region holds no private key: it verifies, lists and revokes, but does not issue. */
  issuer: CredentialIssuer | undefined;
}

/** Who did it, for the record: the acting credential's id (or "bootstrap admin"). */
const actor = (p: Principal) => p.credentialId ?? "bootstrap admin";

function needIssuer(deps: CredentialRouteDeps): CredentialIssuer {
  if (!deps.issuer) {
    fail(
      409,
      "cannot_issue",
      `region ${deps.region} holds no credential issuer key (credentialIssuerKey); issue credentials at a region that does`,
    );
  }
  return deps.issuer;
}

/** The operator's credential commands (admin), and the peers' pull of credential records (region). */
export function addCredentialRoutes(app: Hono<AuthEnv>, deps: CredentialRouteDeps): void {
  const { db, principals, region } = deps;
  const admin = requireToken(principals, "admin");

  app.post("/v1/admin/credentials", admin, async (c) => {
    const request = await readBody(c, IssueCredentialRequestSchema);
    return c.json((await needIssuer(deps).issue(request, actor(c.get("principal")))) satisfies IssuedCredential, 201);
  });

  app.get("/v1/admin/credentials", admin, async (c) => {
    const kind = c.req.query("kind");
    if (kind !== undefined && !(CREDENTIAL_KINDS as readonly string[]).includes(kind)) {
      fail(400, "invalid_query", `kind must be one of ${CREDENTIAL_KINDS.join(", ")}`);
    }
    const all = c.req.query("all");
    if (all !== undefined && all !== "true" && all !== "false") fail(400, "invalid_query", "all must be true or false");
    const storeId = c.req.query("storeId");
    const registerId = c.req.query("registerId");
    const items = await listCredentials(db, {
      ...(storeId ? { storeId } : {}),
      ...(registerId ? { registerId } : {}),
      ...(kind ? { kind: kind as CredentialKind } : {}),
      all: all === "true",
    });
    return c.json({ region, items } satisfies CredentialList);
  });

  app.post("/v1/admin/credentials/:id/revoke", admin, async (c) => {
    const id = c.req.param("id");
    const record = await revokeCredential(db, id, actor(c.get("principal")));
    if (!record) fail(404, "credential_not_found", `no credential ${id} is known to region ${region}`);
    principals.invalidate();
    return c.json({ region, record } satisfies RevokedCredential);
  });

  app.post("/v1/admin/credentials/:id/rotate", admin, async (c) => {
    const { overlapSeconds } = await readBody(c, RotateCredentialRequestSchema);
    try {
      const rotated = await needIssuer(deps).rotate(c.req.param("id"), overlapSeconds, actor(c.get("principal")));
      principals.invalidate();
      return c.json(rotated satisfies RotatedCredential, 201);
    } catch (error) {
      if (error instanceof CredentialNotFound) fail(404, "credential_not_found", `${error.message} (region ${region})`);
      throw error;
    }
  });

  app.post("/v1/admin/stores/:storeId/revoke-credentials", admin, async (c) => {
    const cutoff = await revokeStoreCredentials(db, c.req.param("storeId"), actor(c.get("principal")));
    principals.invalidate();
    return c.json({ region, cutoff } satisfies StoreRevocation);
  });

  app.get("/v1/replication/credentials", requireToken(principals, "region"), async (c) => {
    const after = c.req.query("after") ?? "0";
    const limit = c.req.query("limit") ?? "1000";
    if (!/^\d{1,15}$/.test(after)) fail(400, "invalid_query", "after must be a non-negative integer");
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000) {
      fail(400, "invalid_query", "limit must be between 1 and 1000");
    }
    return c.json((await readCredentialChanges(db, region, Number(after), Number(limit))) satisfies CredentialChanges);
  });
}
