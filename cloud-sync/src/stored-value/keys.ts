import { lastFourOf, type StoredValueKeys, storedValueToken, unsealNumber } from "@tenderline/shared";
import { z } from "zod";
import type { SealedResolver } from "./derive-stored-value.ts";

/** The regions' stored-value keys as the region config takes them (a secret: config file or environment). */
export const StoredValueKeysSchema = z.object({
  sealPrivateKey: z.string().includes("PRIVATE KEY", { message: "sealPrivateKey must be a PKCS#8 PEM private key" }),
  sealPublicKey: z.string().includes("PUBLIC KEY", { message: "sealPublicKey must be an SPKI PEM public key" }),
  tokenKey: z.string().regex(/^[A-Za-z0-9_-]{43,}$/, "tokenKey must be at least 32 bytes, base64url"),
}) satisfies z.ZodType<StoredValueKeys>;

/** Opens a sealed number and names its account; the number is dropped at once and never returned. */
export function sealedResolver(keys: StoredValueKeys): SealedResolver {
  return (kind, sealed) => {
    const number = unsealNumber(keys.sealPrivateKey, sealed);
    return { token: storedValueToken(keys.tokenKey, kind, number), last4: lastFourOf(number) };
  };
}
