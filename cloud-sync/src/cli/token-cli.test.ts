import { CredentialListSchema, IssuedCredentialSchema } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { generateCredentialKeys, TrustedKeys } from "../auth/credential-keys.ts";
import { verifyCredential } from "../auth/signed-credentials.ts";
import { ConfigError } from "../config/config.ts";
import { type OrderTestRegion, startOrderTestRegion } from "../ingest/order-test-region.ts";
import { type TestStore, testStore } from "../testing/test-databases.ts";
import { runTokenCommand, TOKEN_USAGE } from "./token-cli.ts";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe("token CLI: order channel credentials", () => {
  let store: TestStore;
  let region: OrderTestRegion;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    store = await testStore("pglite", "token_cli");
    region = await startOrderTestRegion("pglite", store);
    // The admin credential in the environment, never on the command line.
    env = {
      TENDERLINE_REGION_URL: region.url,
      TENDERLINE_ADMIN_CREDENTIAL: (await region.signOffline({ kind: "admin" })).credential,
    };
  });
  afterAll(async () => {
    await region?.close();
    await store.cleanup();
  });

  it("names the channel kind in its usage", () => {
    expect(TOKEN_USAGE).toContain("region|channel");
    expect(TOKEN_USAGE).toContain("--store-id online --register-id web-1");
  });

  it("creates a channel credential at a region, shows it once, and lists it by kind", async () => {
    const created = capture();
    const argv = ["token", "create", "--kind", "channel", "--store-id", "online", "--register-id", "web-1", "--json"];
    expect(await runTokenCommand(argv, env, created.io)).toBe(0);
    const issued = IssuedCredentialSchema.parse(JSON.parse(created.out.join("")));
    expect(issued.record).toMatchObject({ kind: "channel", storeId: "online", registerId: "web-1" });
    expect(created.err.join("\n")).toContain("channel (store online, channel instance web-1)");
    const listed = capture();
    expect(await runTokenCommand(["token", "list", "--kind", "channel", "--json"], env, listed.io)).toBe(0);
    const list = CredentialListSchema.parse(JSON.parse(listed.out.join("")));
    expect(list.items.map((r) => r.id)).toEqual([issued.record.id]);
    expect(listed.out.join("")).not.toContain(issued.credential);
  });

  it("refuses a channel without its channel instance before asking any region", async () => {
    await expect(
      runTokenCommand(["token", "create", "--kind", "channel", "--store-id", "online"], {}, capture().io),
    ).rejects.toThrow(ConfigError);
    await expect(
      runTokenCommand(["token", "create", "--kind", "channel", "--store-id", "online"], {}, capture().io),
    ).rejects.toThrow(/registerId/);
  });

  it("signs a channel credential offline with the issuer key from the environment", async () => {
    const keys = await generateCredentialKeys();
    const signed = capture();
    const code = await runTokenCommand(
      ["token", "create", "--offline", "--kind", "channel", "--store-id", "online", "--register-id", "app-1", "--json"],
      { TENDERLINE_CREDENTIAL_ISSUER_KEY: JSON.stringify(keys.credentialIssuerKey) },
      signed.io,
    );
    expect(code).toBe(0);
    const { credential } = z.object({ credential: z.string(), id: z.string() }).parse(JSON.parse(signed.out.join("")));
    const verified = await verifyCredential(await TrustedKeys.from(keys.credentialTrustedKeys), credential);
    expect(verified).toMatchObject({ ok: true, claims: { kind: "channel", storeId: "online", registerId: "app-1" } });
  });
});
