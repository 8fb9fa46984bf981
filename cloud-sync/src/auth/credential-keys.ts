import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from "jose";
import { z } from "zod";

/**
 * The retailer's credential keys (Ed25519). Every region trusts the public keys, so a credential
 * signed once is good in every region at once, including one that was down when it was issued.
 * A region that issues credentials also holds the private key: a secret, kept in its config file.
 */
export const PublicJwkSchema = z.object({
  kty: z.literal("OKP", { error: "a credential key is an Ed25519 JWK: kty must be OKP" }),
  crv: z.literal("Ed25519", { error: "a credential key is an Ed25519 JWK: crv must be Ed25519" }),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "x must be the 32-byte public key, base64url"),
});
export const PrivateJwkSchema = PublicJwkSchema.extend({
  d: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "d must be the 32-byte private key, base64url"),
});
export type PublicJwk = z.infer<typeof PublicJwkSchema>;
export type PrivateJwk = z.infer<typeof PrivateJwkSchema>;

export interface IssuerKey {
  kid: string;
  key: CryptoKey;
}

/** The keys a region verifies with, by id (the JWK thumbprint, carried in each credential's header). */
export class TrustedKeys {
  private constructor(private readonly byKid: ReadonlyMap<string, CryptoKey>) {}

  static async from(jwks: readonly PublicJwk[]): Promise<TrustedKeys> {
    const entries = await Promise.all(
      jwks.map(async (jwk) => {
        const publicOnly = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
        return [await keyId(publicOnly), (await importJWK(publicOnly, "EdDSA")) as CryptoKey] as const;
      }),
    );
    return new TrustedKeys(new Map(entries));
  }

  get(kid: string | undefined): CryptoKey | undefined {
    return kid === undefined ? undefined : this.byKid.get(kid);
  }

  get size(): number {
    return this.byKid.size;
  }
}

export function keyId(jwk: PublicJwk): Promise<string> {
  return calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }, "sha256");
}

export async function importIssuerKey(jwk: PrivateJwk): Promise<IssuerKey> {
  return { kid: await keyId(jwk), key: (await importJWK(jwk, "EdDSA")) as CryptoKey };
}

export function publicHalf(jwk: PrivateJwk): PublicJwk {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
}

/** A new key pair, as the fields of a region's config file. */
export async function generateCredentialKeys(): Promise<{ credentialIssuerKey: PrivateJwk; credentialTrustedKeys: PublicJwk[] }> {
  const { privateKey } = await generateKeyPair("Ed25519", { extractable: true });
  const jwk = PrivateJwkSchema.parse(await exportJWK(privateKey));
  return { credentialIssuerKey: jwk, credentialTrustedKeys: [publicHalf(jwk)] };
}
