import { RegionApiError } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OrderTestRegion, orderEvent, startOrderTestRegion } from "../ingest/order-test-region.ts";
import type { Backend, TestStore } from "../testing/test-databases.ts";
import { testStore } from "../testing/test-databases.ts";
import { generateCredentialKeys, importIssuerKey, TrustedKeys } from "./credential-keys.ts";
import { findCredential } from "./credential-register.ts";
import { signCredential, verifyCredential } from "./signed-credentials.ts";

const BOOTSTRAP_CHANNEL = "tl_channel_online_web_9_test_000009";

/** Order channel credentials (kind `channel`): issued, listed, verified, revoked like a register's (channel-credentials.test.ts, .pg.test.ts). */
export function channelCredentialsSuite(backend: Backend): void {
  describe(`order channel credentials over ${backend}`, () => {
    let store: TestStore;
    let region: OrderTestRegion;

    beforeAll(async () => {
      store = await testStore(backend, "channel_credentials");
      region = await startOrderTestRegion(backend, store, {
        bootstrapTokens: [{ token: BOOTSTRAP_CHANNEL, kind: "channel", storeId: "online", registerId: "web-9" }],
      });
    });
    afterAll(async () => {
      await region?.close();
      await store.cleanup();
    });

    it("signs and verifies a channel credential bound to the channel's store and instance", async () => {
      const keys = await generateCredentialKeys();
      const { credential, claims } = await signCredential(await importIssuerKey(keys.credentialIssuerKey), {
        kind: "channel",
        storeId: "online",
        registerId: "web-1",
      });
      const verified = await verifyCredential(await TrustedKeys.from(keys.credentialTrustedKeys), credential);
      expect(verified).toEqual({ ok: true, claims });
      expect(claims).toMatchObject({ kind: "channel", storeId: "online", registerId: "web-1", regionName: null });
    });

    it("issues a channel credential, keeps its record (never the credential) and lists it by kind", async () => {
      const issued = await region.admin.issueCredential({
        kind: "channel",
        storeId: "online",
        registerId: "web-1",
        label: "web shop",
      });
      expect(issued.record).toMatchObject({
        kind: "channel",
        storeId: "online",
        registerId: "web-1",
        regionName: null,
        label: "web shop",
        revokedAt: null,
      });
      expect(await findCredential(region.region.db, issued.record.id)).toEqual(issued.record);
      const list = await region.admin.listCredentials({ kind: "channel", storeId: "online" });
      expect(list.items.map((r) => r.id)).toContain(issued.record.id);
      expect(list.items.every((r) => r.kind === "channel")).toBe(true);
      expect(JSON.stringify(list)).not.toContain(issued.credential);
      const batch = await region
        .as(issued.credential)
        .sendBatch({ storeId: "online", registerId: "web-1", events: [orderEvent({ seq: 1 })] });
      expect(batch.results[0]?.status).toBe("accepted");
    });

    it("refuses a channel credential without its store or its channel instance, saying which", async () => {
      for (const [request, field] of [
        [{ kind: "channel", storeId: "online" }, "registerId"],
        [{ kind: "channel", registerId: "web-1" }, "storeId"],
      ] as const) {
        const error = await region.admin.issueCredential(request).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(RegionApiError);
        expect(error).toMatchObject({ status: 400 });
        expect((error as RegionApiError).message).toContain(field);
      }
    });

    it("records a channel credential signed offline when it is first used, and a revocation refuses it at once", async () => {
      const { credential, id } = await region.signOffline({ kind: "channel", storeId: "online", registerId: "web-3" });
      const client = region.as(credential);
      const send = (seq: number) =>
        client.sendBatch({ storeId: "online", registerId: "web-3", events: [orderEvent({ registerId: "web-3", seq })] });
      expect((await send(1)).results[0]?.status).toBe("accepted");
      expect(await findCredential(region.region.db, id)).toMatchObject({
        kind: "channel",
        storeId: "online",
        registerId: "web-3",
      });
      const revoked = await region.admin.revokeCredential(id);
      expect(revoked.record.revokedAt).not.toBeNull();
      const error = await send(2).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ status: 401 });
      expect((error as RegionApiError).detail).toContain("revoked");
      expect((await region.admin.listCredentials({ kind: "channel", registerId: "web-3" })).items).toEqual([]);
      expect((await region.admin.listCredentials({ kind: "channel", registerId: "web-3", all: true })).items).toHaveLength(1);
    });

    it("takes a channel bootstrap token from the config (in-process tests), bound like a signed one", async () => {
      const client = region.as(BOOTSTRAP_CHANNEL);
      const ok = await client.sendBatch({
        storeId: "online",
        registerId: "web-9",
        events: [orderEvent({ registerId: "web-9", seq: 1 })],
      });
      expect(ok.results[0]?.status).toBe("accepted");
      const other = await client.sendBatch({ storeId: "online", registerId: "web-1", events: [orderEvent({ seq: 5 })] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(other).toMatchObject({ status: 403, code: "wrong_register" });
    });
  });
}
