/**
 * Text as a card number detector must read it: Unicode NFKC (fullwidth digits, no-break and thin
 * spaces become their plain forms) and every Unicode decimal digit as its ASCII digit (NFKC leaves
 * Arabic-Indic, Devanagari and other scripts' digits alone). ASCII text comes back as it is.
 */
/** Whether any character is outside ASCII (a loop: a control-character class in a regex reads badly). */
export function hasNonAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return true;
  return false;
}
const DECIMAL_DIGIT = /\p{Nd}/u;
const ANY_DECIMAL_DIGIT = /\p{Nd}/gu;

/**
 * The value of a Unicode decimal digit. Unicode keeps every script's digits 0–9 together, in runs
 * of ten (a few scripts have two or five such runs in a row), so the value is the distance from
 * the start of the run, modulo ten.
 */
function digitValue(ch: string): number {
  let cp = ch.codePointAt(0) as number;
  let steps = 0;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(cp - 1))) {
    cp--;
    steps++;
  }
  return steps % 10;
}

export function normalizeForDigits(text: string): string {
  if (!hasNonAscii(text)) return text;
  return text.normalize("NFKC").replace(ANY_DECIMAL_DIGIT, (ch) => (ch >= "0" && ch <= "9" ? ch : String(digitValue(ch))));
}
