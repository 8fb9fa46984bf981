/**
 * Payment card brands by issuer identification number (IIN) range and the lengths each issues.
 * A digit string is a card number only when it falls in a brand's range at one of that brand's
 * lengths and passes Luhn: that is what tells a card from a barcode, an order number or a clock.
 * Lengths are what brands issue today: no brand issues 13-digit cards any more (Visa's were
 * retired), so a 13-digit barcode is never mistaken for one.
 */
export interface CardBrand {
  name: string;
  /** Inclusive ranges of the leading digits, as [from, to] strings of equal length. */
  ranges: ReadonlyArray<readonly [string, string]>;
  lengths: readonly number[];
}

const r = (from: string, to = from) => [from, to] as const;
const span = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const CARD_BRANDS: readonly CardBrand[] = [
  { name: "visa", ranges: [r("4")], lengths: span(16, 19) },
  { name: "mastercard", ranges: [r("51", "55"), r("2221", "2720")], lengths: [16] },
  { name: "amex", ranges: [r("34"), r("37")], lengths: [15] },
  { name: "discover", ranges: [r("6011"), r("644", "649"), r("65"), r("622126", "622925")], lengths: span(16, 19) },
  { name: "jcb", ranges: [r("3528", "3589")], lengths: span(16, 19) },
  { name: "diners", ranges: [r("300", "305"), r("3095"), r("36"), r("38", "39")], lengths: span(14, 19) },
  { name: "unionpay", ranges: [r("62"), r("81")], lengths: span(16, 19) },
  {
    name: "maestro",
    ranges: [r("5018"), r("5020"), r("5038"), r("5893"), r("6304"), r("6759"), r("6761", "6763"), r("56", "58"), r("67")],
    lengths: span(16, 19),
  },
  { name: "mir", ranges: [r("2200", "2204")], lengths: span(16, 19) },
  { name: "rupay", ranges: [r("60"), r("652"), r("8171", "8172"), r("508")], lengths: span(16, 19) },
  { name: "troy", ranges: [r("9792")], lengths: [16] },
  { name: "verve", ranges: [r("506099", "506198"), r("650002", "650027")], lengths: span(16, 19) },
];

export const SHORTEST_CARD = Math.min(...CARD_BRANDS.flatMap((b) => b.lengths));
export const LONGEST_CARD = Math.max(...CARD_BRANDS.flatMap((b) => b.lengths));

/** By first digit, the brands that can start with it: the common "no" costs one lookup. */
const BY_FIRST_DIGIT: ReadonlyArray<readonly CardBrand[]> = Array.from({ length: 10 }, (_, d) =>
  CARD_BRANDS.filter((b) => b.ranges.some(([from, to]) => Number(from[0]) <= d && d <= Number(to[0]))),
);

function inRange(digits: string, [from, to]: readonly [string, string]): boolean {
  const head = digits.slice(0, from.length);
  return head.length === from.length && head >= from && head <= to;
}

/** The brand whose range and length fit these digits, or undefined. Does not check Luhn. */
export function brandOf(digits: string): CardBrand | undefined {
  const first = digits.charCodeAt(0) - 48;
  if (first < 0 || first > 9) return undefined;
  for (const brand of BY_FIRST_DIGIT[first] as readonly CardBrand[]) {
    if (brand.lengths.includes(digits.length) && brand.ranges.some((range) => inRange(digits, range))) return brand;
  }
  return undefined;
}

export function luhnValid(digits: string): boolean {
  let total = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    total += d;
    double = !double;
  }
  return total % 10 === 0;
}

/** A payment card number: a brand's range at one of its lengths, and Luhn-valid. */
export function isCardNumber(digits: string): boolean {
  return brandOf(digits) !== undefined && luhnValid(digits);
}
