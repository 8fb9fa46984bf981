import { createHash } from "node:crypto";
import { containsPan } from "@tenderline/shared";

export class GiftCardCodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GiftCardCodeError";
  }
}

const CODE = /^[A-Za-z0-9-]{6,32}$/;

/**
 * Turns a scanned gift card code into what a tender records: a stable token (a hash, so the code
 * itself is not stored) and the last four digits. A payment card number scanned by mistake is
 * refused, unless it is in the retailer's gift card range (`giftCardPrefixes`).
 */
export function tokenizeGiftCard(code: string, giftCardPrefixes: readonly string[] = []): { token: string; last4: string } {
  const trimmed = code.trim();
  // The retailer's own gift card range can look like a payment card (19 digits, Luhn-valid): it is not one.
  const inGiftRange = (digits: string) => giftCardPrefixes.some((p) => digits.startsWith(p));
  if (containsPan(trimmed, { exempt: inGiftRange })) {
    throw new GiftCardCodeError(
      "that looks like a payment card number, not a gift card; use the card terminal for payment cards",
    );
  }
  if (!CODE.test(trimmed)) throw new GiftCardCodeError("a gift card code is 6 to 32 letters, digits or dashes");
  const digits = trimmed.replace(/\D/g, "");
  if (digits.length < 4) throw new GiftCardCodeError("a gift card code has at least four digits");
  return {
    token: `gc_${createHash("sha256").update(trimmed.toUpperCase()).digest("hex").slice(0, 32)}`,
    last4: digits.slice(-4),
  };
}
