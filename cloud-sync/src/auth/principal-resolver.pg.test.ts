import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../storage/database.ts";
import { type TestStore, testStore } from "../testing/test-databases.ts";
import { generateCredentialKeys, importIssuerKey, TrustedKeys } from "./credential-keys.ts";
import { CREDENTIAL_WRITE_LOCK, findCredential, recordCredential, recordFromClaims } from "./credential-register.ts";
import { createPrincipalResolver } from "./principal-resolver.ts";
import { signCredential } from "./signed-credentials.ts";

describe("resolving a signed credential over PostgreSQL (instances sharing one database)", () => {
  let store: TestStore;
  let db: Database;
  let other: Database;
  let issue: (registerId: string) => ReturnType<typeof signCredential>;
  let trustedKeys: TrustedKeys;
  beforeAll(async () => {
    store = await testStore("postgres", "principal_resolver");
    db = await store.open();
    other = await store.open();
    const keys = await generateCredentialKeys();
    const issuer = await importIssuerKey(keys.credentialIssuerKey);
    trustedKeys = await TrustedKeys.from(keys.credentialTrustedKeys);
    issue = (registerId) => signCredential(issuer, { kind: "register", storeId: "store-1", registerId });
  }, 60_000);
  afterAll(() => store.cleanup());

  it("records a credential seen for the first time, so it can be listed and revoked by id", async () => {
    const { credential, claims } = await issue("reg-new");
    const resolve = createPrincipalResolver(db, { region: "A", trustedKeys });
    expect(await resolve(credential)).toMatchObject({ ok: true, principal: { registerId: "reg-new" } });
    expect(await findCredential(db, claims.id)).toMatchObject({ id: claims.id, issuedBy: "first seen by A" });
  });

  it("does not queue on the register's write lock for a credential already recorded", async () => {
    const { credential, claims } = await issue("reg-known");
    await recordCredential(db, recordFromClaims(claims, { label: "till 1", issuedBy: "admin" }));
    // Another instance is writing credentials (say, merging a peer's page) and holds the lock.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const writer = other.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [CREDENTIAL_WRITE_LOCK]);
      locked();
      await held;
    });
    await lockTaken;
    try {
      // A freshly started instance meets the register: it answers without waiting for that writer.
      const resolve = createPrincipalResolver(db, { region: "A", trustedKeys });
      const first = await Promise.race([
        resolve(credential).then((r) => ({ answered: r })),
        new Promise<{ answered: "still waiting" }>((r) => setTimeout(() => r({ answered: "still waiting" }), 10_000)),
      ]);
      expect(first.answered).toMatchObject({ ok: true, principal: { registerId: "reg-known" } });
    } finally {
      release();
      await writer;
    }
    expect(await findCredential(db, claims.id)).toMatchObject({ label: "till 1", issuedBy: "admin" });
  });
});
