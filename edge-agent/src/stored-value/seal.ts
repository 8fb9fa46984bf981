import { randomInt } from "node:crypto";
import {
  containsPan,
  luhnValid,
  normalizeStoredValueNumber,
  SealedNumberError,
  type StoredValueKind,
  sealNumber,
} from "@tenderline/shared";
import { RegisterRefusal } from "../register/refusal.ts";

/** A gift card or credit number the register will not seal, with a reason a cashier can act on; it never repeats the number. */
export class StoredValueNumberError extends Error {
  constructor(
    readonly code: "pan_detected" | "invalid_number",
    message: string,
  ) {
    super(message);
    this.name = "StoredValueNumberError";
  }
}

export interface Sealing {
  /** The regions' public key (config `storedValueSealKey`); absent: nothing can be sealed. */
  sealKey: string | undefined;
  /** The retailer's gift card ranges (config `giftCardPrefixes`): such numbers are not payment cards. */
  giftCardPrefixes: readonly string[];
}

/** The sealed form of a number as tenders, lines and receipts carry it. */
export interface SealedNumber {
  sealed: string;
  last4: string;
}

const CODE = /^[A-Za-z0-9 -]{6,40}$/;

/** The seal key, or the refusal that names the setting to add. */
export function requireSealKey(sealKey: string | undefined, what: string): string {
  if (sealKey) return sealKey;
  throw new RegisterRefusal(
    409,
    "stored_value_not_configured",
    `${what} needs the regions' public key for gift card and store credit numbers: set storedValueSealKey (SPKI PEM, from the region operator) in the agent's config. Nothing was recorded`,
  );
}

/**
 * Seals a gift card or credit number for the regions (RSA-OAEP with their public key): the
 * number itself is dropped here and never stored, logged or answered. A number that reads as a
 * payment card is refused, unless it is in the retailer's gift card ranges.
 */
export function sealStoredValueNumber(kind: StoredValueKind, number: string, sealing: Sealing): SealedNumber {
  const trimmed = number.trim();
  // The retailer's own gift card range can look like a payment card (19 digits, Luhn-valid): it is not one.
  const inGiftRange = (digits: string) => sealing.giftCardPrefixes.some((p) => digits.startsWith(p));
  if (containsPan(trimmed, { exempt: inGiftRange })) {
    throw new StoredValueNumberError(
      "pan_detected",
      "that looks like a payment card number, not a gift card or store credit; use the card terminal for payment cards (it was not kept)",
    );
  }
  if (!CODE.test(trimmed)) {
    throw new StoredValueNumberError(
      "invalid_number",
      "a gift card or credit number is 6 to 40 letters, digits, spaces or dashes",
    );
  }
  const digits = trimmed.replace(/\D/g, "");
  if (digits.length < 4)
    throw new StoredValueNumberError("invalid_number", "a gift card or credit number has at least four digits");
  const key = requireSealKey(sealing.sealKey, kind === "gift_card" ? "a gift card" : "store credit");
  try {
    return { sealed: sealNumber(key, trimmed), last4: digits.slice(-4) };
  } catch (error) {
    if (error instanceof SealedNumberError) throw new StoredValueNumberError("invalid_number", error.message);
    throw error;
  }
}

/**
 * A new store credit number: 16 digits, the configured prefix then random digits, with a last
 * digit chosen so the Luhn check fails: it can never be taken for a payment card, by this
 * register's PAN guard or anyone else's. It is sealed at once; the plain number only goes into
 * the one answer that prints it on the receipt.
 */
export function mintStoreCreditNumber(prefix: string): string {
  let body = prefix;
  while (body.length < 15) body += String(randomInt(10));
  for (;;) {
    const candidate = `${body}${randomInt(10)}`;
    if (!luhnValid(candidate) && normalizeStoredValueNumber(candidate).length === 16) return candidate;
  }
}
