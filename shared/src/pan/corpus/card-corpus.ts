/**
 * A labelled corpus for the card number detector: card numbers of every brand written the ways
 * people and devices write them (must all be caught), and the digit strings a retail system is
 * full of (must all pass): barcodes, UUIDs, timestamps, phone numbers, order and receipt numbers,
 * amounts. Generated from a fixed seed, so every run reads the same corpus.
 */

/** A small seeded PRNG (mulberry32): the corpus is the same on every machine and run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function luhnCheckDigit(body: string): string {
  let total = 0;
  for (let i = body.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = body.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    total += d;
  }
  return String((10 - (total % 10)) % 10);
}

function gtinCheckDigit(body: string): string {
  let total = 0;
  for (let i = body.length - 1, weight = 3; i >= 0; i--, weight = 4 - weight) total += (body.charCodeAt(i) - 48) * weight;
  return String((10 - (total % 10)) % 10);
}

function digits(random: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String(Math.floor(random() * 10));
  return s;
}

/** Issuer prefixes and lengths as issued today, written out here independently of the detector's table. */
export const ISSUED: ReadonlyArray<{ brand: string; prefixes: string[]; lengths: number[] }> = [
  { brand: "visa", prefixes: ["4", "40", "41", "45", "49"], lengths: [16, 19] },
  { brand: "mastercard", prefixes: ["51", "53", "55", "2221", "2500", "2720"], lengths: [16] },
  { brand: "amex", prefixes: ["34", "37"], lengths: [15] },
  { brand: "discover", prefixes: ["6011", "644", "649", "65"], lengths: [16, 19] },
  { brand: "jcb", prefixes: ["3528", "3566", "3589"], lengths: [16, 19] },
  { brand: "diners", prefixes: ["300", "305", "36", "38"], lengths: [14, 16] },
  { brand: "unionpay", prefixes: ["62", "6212", "6250"], lengths: [16, 17, 18, 19] },
  { brand: "maestro", prefixes: ["5018", "5020", "5038", "6304", "6759", "6761"], lengths: [16, 19] },
  { brand: "mir", prefixes: ["2200", "2204"], lengths: [16] },
];

/** Public test card numbers the processors publish: real formats, no real accounts. */
export const PUBLISHED_TEST_CARDS = [
  "4111111111111111",
  "4012888888881881",
  "4242424242424242",
  "5555555555554444",
  "5105105105105100",
  "2223003122003222",
  "378282246310005",
  "371449635398431",
  "6011111111111117",
  "6011000990139424",
  "3530111333300000",
  "3566002020360505",
  "30569309025904",
  "38520000023237",
  "6200000000000005",
  "6759649826438453",
  "6799990100000000019",
  "2200000000000004",
];

const toFullwidth = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
const toArabicIndic = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)));
const toDevanagari = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0x0966 + Number(d)));
const groups = (pan: string, sep: string) => (pan.match(/.{1,4}/g) ?? [pan]).join(sep);

/** The ways a card number is written, each a function of its digits. */
export const CARD_FORMATS: ReadonlyArray<{ name: string; write: (pan: string) => string }> = [
  { name: "plain", write: (p) => p },
  { name: "spaces", write: (p) => groups(p, " ") },
  { name: "dashes", write: (p) => groups(p, "-") },
  { name: "dots", write: (p) => groups(p, ".") },
  { name: "slashes", write: (p) => groups(p, "/") },
  { name: "tabs", write: (p) => groups(p, "\t") },
  { name: "no-break spaces", write: (p) => groups(p, "\u00a0") },
  { name: "thin spaces", write: (p) => groups(p, "\u2009") },
  { name: "double spaces", write: (p) => groups(p, "  ") },
  { name: "fullwidth digits", write: (p) => toFullwidth(groups(p, " ")) },
  { name: "Arabic-Indic digits", write: (p) => toArabicIndic(p) },
  { name: "Devanagari digits", write: (p) => toDevanagari(groups(p, " ")) },
  { name: "with expiry MM/YY", write: (p) => `${groups(p, " ")} 12/27` },
  { name: "with expiry glued", write: (p) => `${p}1227` },
  { name: "with CVV", write: (p) => `${p} 123` },
  { name: "track 2", write: (p) => `;${p}=27121010000000?` },
  { name: "glued to a word", write: (p) => `card${p}` },
  { name: "inside a sentence", write: (p) => `customer read out ${groups(p, " ")}, exp 12/27` },
];

export interface CorpusSample {
  text: string;
  /** The field it is checked in: a barcode belongs in `sku`, anything else is free text. */
  field: string;
  kind: string;
}

/** Card numbers: every published test card and generated ones for every brand, in every format. */
export function cardSamples(perBrand = 20, seed = 4111): CorpusSample[] {
  const random = seeded(seed);
  const pans = [...PUBLISHED_TEST_CARDS];
  for (const { prefixes, lengths } of ISSUED) {
    for (let i = 0; i < perBrand; i++) {
      const prefix = prefixes[i % prefixes.length] as string;
      const length = lengths[i % lengths.length] as number;
      const body = prefix + digits(random, length - prefix.length - 1);
      pans.push(body + luhnCheckDigit(body));
    }
  }
  return pans.flatMap((pan) => CARD_FORMATS.map((f) => ({ text: f.write(pan), field: "description", kind: f.name })));
}

function uuid(random: () => number, version: 4 | 7): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");
  const variant = "89ab"[Math.floor(random() * 4)] as string;
  const head =
    version === 7
      ? Date.UTC(2026, 0, 1 + Math.floor(random() * 365))
          .toString(16)
          .padStart(12, "0")
      : hex(12);
  return `${head.slice(0, 8)}-${head.slice(8, 12)}-${version}${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}

/** What is not a card number: barcodes (as a sku), and in free text ids, clocks, phones, order numbers, amounts. */
export function otherSamples(perKind = 1000, seed = 2026): CorpusSample[] {
  const random = seeded(seed);
  const out: CorpusSample[] = [];
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  for (let i = 0; i < perKind; i++) {
    for (const length of [8, 12, 13, 14]) {
      const body = digits(random, length - 1);
      out.push({ text: body + gtinCheckDigit(body), field: "sku", kind: `GTIN-${length}` });
    }
    out.push({ text: uuid(random, 4), field: "description", kind: "UUIDv4" });
    out.push({ text: uuid(random, 7), field: "description", kind: "UUIDv7" });
    const when = new Date(Date.UTC(2020, 0, 1) + Math.floor(random() * 10 * 365 * 86_400_000));
    out.push({ text: when.toISOString(), field: "description", kind: "ISO timestamp" });
    out.push({ text: String(when.getTime()), field: "description", kind: "epoch milliseconds" });
    out.push({ text: when.toISOString().replace(/\D/g, ""), field: "description", kind: "compact timestamp" });
    out.push({ text: `+1 ${int(200, 999)} ${int(200, 999)} ${int(1000, 9999)}`, field: "description", kind: "phone (US)" });
    out.push({ text: `+44 20 ${int(7000, 8999)} ${int(1000, 9999)}`, field: "description", kind: "phone (UK)" });
    out.push({ text: `+86 1${int(30, 89)} ${int(1000, 9999)} ${int(1000, 9999)}`, field: "description", kind: "phone (CN)" });
    out.push({
      text: `ORD-${when.getUTCFullYear()}-${String(int(0, 999_999)).padStart(6, "0")}`,
      field: "description",
      kind: "order number",
    });
    out.push({
      text: `R-${when.toISOString().slice(0, 10).replace(/-/g, "")}-${String(int(0, 9999)).padStart(4, "0")}`,
      field: "description",
      kind: "receipt number",
    });
    out.push({
      text: `$${int(0, 99_999).toLocaleString("en-US")}.${String(int(0, 99)).padStart(2, "0")}`,
      field: "description",
      kind: "amount",
    });
    out.push({ text: `${int(0, 9_999_999)}.${String(int(0, 99)).padStart(2, "0")} USD`, field: "description", kind: "amount" });
  }
  return out;
}
