/** GTIN-8, -12 (UPC-A), -13 (EAN-13) and -14: the digits a barcode scanner types into a sku field. */
const GTIN_LENGTHS = new Set([8, 12, 13, 14]);

/** Whether the digits are a GTIN whose check digit (mod 10, weights 3 and 1 from the right) is right. */
export function gtinValid(digits: string): boolean {
  if (!GTIN_LENGTHS.has(digits.length) || !/^\d+$/.test(digits)) return false;
  let total = 0;
  for (let i = digits.length - 2, weight = 3; i >= 0; i--, weight = 4 - weight) total += (digits.charCodeAt(i) - 48) * weight;
  return (10 - (total % 10)) % 10 === digits.charCodeAt(digits.length - 1) - 48;
}
