import { isCardNumber, LONGEST_CARD, SHORTEST_CARD } from "./card-brands.ts";
import { hasNonAscii, normalizeForDigits } from "./normalize.ts";

/**
 * Finds full card numbers (PANs) in text the way people and card readers write them: digits in
 * any Unicode script (see normalize.ts), grouped by spaces, no-break or thin spaces, dots, dashes,
 * slashes or tabs (one to three in a row), glued to letters, or followed by more digits (an
 * expiry, a CVV, a sequence number). Every 14–19 digit window that starts a digit group is a
 * candidate; it is a card number when a brand issues it (IIN range and length) and Luhn holds.
 */
export interface CardNumberMatch {
  /** Where the number's first digit and one past its last stand in the normalized text. */
  start: number;
  end: number;
  /** The card number's digits; callers must not keep or show them, only mask. */
  digits: string;
  /** Offsets (in the normalized text) of each digit, for masking in place. */
  positions: number[];
}

export interface DetectOptions {
  /**
   * For identifiers (a processorRef, a terminal's transaction id): only a number that starts a run
   * of digits counts, with at most this many digits after it (an expiry or a CVV); a longer
   * reference that merely begins like a card is the processor's, not a card number.
   */
  anchoredWithTrailing?: number;
  /** Digits that are a card number but known not to be a payment card (the retailer's gift card range). */
  exempt?: (digits: string) => boolean;
}

const MAX_SEPARATORS = 3;

function isSeparator(code: number): boolean {
  return (
    code === 0x20 || // space (no-break, thin and figure spaces become this under NFKC)
    code === 0x09 || // tab
    code === 0x2e || // .
    code === 0x2d || // -
    code === 0x2f || // /
    (code >= 0x2010 && code <= 0x2015) || // the Unicode hyphens and dashes
    code === 0x2212 // minus sign
  );
}

/**
 * Identifiers whose digit groups can join into a Luhn-valid run by chance: UUIDs (with their
 * version and variant) and hex digests (with at least one hex letter). Their characters are
 * read as letters.
 */
const HEX_IDENTIFIER =
  /[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|(?<![0-9a-z])(?=[0-9]*[a-f])(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?![0-9a-z])/gi;

function identifierMask(text: string): Uint8Array | undefined {
  let mask: Uint8Array | undefined;
  for (const m of text.matchAll(HEX_IDENTIFIER)) {
    mask ??= new Uint8Array(text.length);
    mask.fill(1, m.index, m.index + m[0].length);
  }
  return mask;
}

/**
 * Whether some run of digits (joined by separators, as the scan below joins them) is long enough
 * to hold a card number: one pass over the characters, no allocation; almost every string fails it
 * (ids and clocks are broken up by letters and colons).
 */
function enoughDigits(text: string): boolean {
  let count = 0;
  let separators = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++count >= SHORTEST_CARD) return true;
      separators = 0;
    } else if (count > 0 && isSeparator(c) && separators < MAX_SEPARATORS) {
      separators++;
    } else {
      count = 0;
      separators = 0;
    }
  }
  return false;
}

/** Quick answer for the common case: text that cannot hold a card number in any writing. */
export function mayHoldCardNumber(text: string): boolean {
  return text.length >= SHORTEST_CARD && (hasNonAscii(text) || enoughDigits(text));
}

/** Every card number in the text (none overlap), and the normalized text their offsets refer to. */
export function findCardNumbers(text: string, options: DetectOptions = {}): { normalized: string; matches: CardNumberMatch[] } {
  if (!mayHoldCardNumber(text)) return { normalized: text, matches: [] };
  const normalized = normalizeForDigits(text);
  if (!enoughDigits(normalized)) return { normalized, matches: [] };
  const masked = identifierMask(normalized);
  const matches: CardNumberMatch[] = [];
  let digits = "";
  let positions: number[] = [];
  let groupStarts: number[] = [];
  let separators = 0;

  const flush = () => {
    if (digits.length >= SHORTEST_CARD) collect(digits, positions, groupStarts, options, matches);
    digits = "";
    positions = [];
    groupStarts = [];
    separators = 0;
  };

  for (let i = 0; i < normalized.length; i++) {
    const c = normalized.charCodeAt(i);
    if (c >= 48 && c <= 57 && masked?.[i] !== 1) {
      if (digits.length === 0 || separators > 0) groupStarts.push(digits.length);
      digits += normalized[i];
      positions.push(i);
      separators = 0;
    } else if (digits.length > 0 && isSeparator(c) && masked?.[i] !== 1 && separators < MAX_SEPARATORS) {
      separators++;
    } else if (digits.length > 0) {
      flush();
    }
  }
  flush();
  return { normalized, matches };
}

function collect(
  digits: string,
  positions: number[],
  groupStarts: number[],
  options: DetectOptions,
  into: CardNumberMatch[],
): void {
  let after = 0;
  for (const g of groupStarts) {
    if (g < after) continue;
    const trailing = options.anchoredWithTrailing;
    if (trailing !== undefined && g > 0) return;
    for (let length = SHORTEST_CARD; length <= LONGEST_CARD && g + length <= digits.length; length++) {
      if (trailing !== undefined && digits.length - (g + length) > trailing) continue;
      const candidate = digits.slice(g, g + length);
      if (!isCardNumber(candidate) || options.exempt?.(candidate)) continue;
      const at = positions.slice(g, g + length);
      into.push({ start: at[0] as number, end: (at[length - 1] as number) + 1, digits: candidate, positions: at });
      after = g + length;
      break;
    }
  }
}

export function containsPan(text: string, options?: DetectOptions): boolean {
  return findCardNumbers(text, options).matches.length > 0;
}

/**
 * Masks every card number for logs and messages: all but its last four digits become '*'. Text
 * holding one comes back normalized (fullwidth or other digits as ASCII); other text unchanged.
 */
export function maskPans(text: string): string {
  const { normalized, matches } = findCardNumbers(text);
  if (matches.length === 0) return text;
  const chars = [...normalized.split("")];
  for (const m of matches) for (const p of m.positions.slice(0, -4)) chars[p] = "*";
  return chars.join("");
}
