import { type SealedNumber, StoredValueNumberError, sealStoredValueNumber } from "../stored-value/seal.ts";

export class GiftCardCodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GiftCardCodeError";
  }
}

/**
 * Turns a scanned or typed gift card code into what a tender carries: the number sealed for the
 * regions (only they can open it, and they name the account by a keyed hash of it) and the last
 * four digits; the code itself is dropped here. A payment card number scanned by mistake is
 * refused, unless it is in the retailer's gift card range (`giftCardPrefixes`). Without the
 * regions' key (`storedValueSealKey`) nothing is sealed: a RegisterRefusal naming the setting.
 * (The name is kept for the screens that call it; it seals, it no longer hashes.)
 */
export function tokenizeGiftCard(code: string, giftCardPrefixes: readonly string[] = [], sealKey?: string): SealedNumber {
  try {
    return sealStoredValueNumber("gift_card", code, { sealKey, giftCardPrefixes });
  } catch (error) {
    if (error instanceof StoredValueNumberError) throw new GiftCardCodeError(error.message);
    throw error;
  }
}

export { tokenizeGiftCard as sealGiftCard };
