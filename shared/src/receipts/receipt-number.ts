/**
 * The receipt number a person reads, types and scans: the store, the register and the register's
 * sequence number of the sale, then a check character (ISO 7064 MOD 37-2 over the letters and
 * digits), e.g. `S1-R2-1042-K`. It is unique per register because the sequence is, it fits a
 * Code 128 barcode, and a mistyped character or a swapped pair is caught before any lookup.
 */
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*";

/** Receipt numbers are compared in capitals, without surrounding space. */
export function normalizeReceiptNumber(text: string): string {
  return text.trim().toUpperCase();
}

function checkCharacter(body: string): string {
  let p = 0;
  for (const c of body) {
    const v = ALPHABET.indexOf(c);
    if (v < 0 || c === "*") continue; // separators do not count
    p = ((p + v) * 2) % 37;
  }
  return ALPHABET.charAt((38 - p) % 37);
}

/** The receipt number of the sale recorded at `seq` on a register. */
export function receiptNumber(storeId: string, registerId: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError("a receipt number needs the sale's seq (1 or more)");
  const body = normalizeReceiptNumber(`${storeId}-${registerId}-${seq}`);
  return `${body}-${checkCharacter(body)}`;
}

/** True when `text` (in any case) has the shape of a receipt number and its check character is right. */
export function isReceiptNumber(text: string): boolean {
  const n = normalizeReceiptNumber(text);
  const m = /^(.+-\d+)-([0-9A-Z*])$/.exec(n);
  if (!m) return false;
  return checkCharacter(m[1] as string) === m[2];
}
