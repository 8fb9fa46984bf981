import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newEventId } from "../../ids/event-id.ts";
import { fieldHoldsPan } from "../pan-guard.ts";
import { CARD_FORMATS, cardSamples, ISSUED, otherSamples } from "./card-corpus.ts";

function tally(samples: ReturnType<typeof cardSamples>) {
  const byKind = new Map<string, { total: number; refused: number }>();
  for (const s of samples) {
    const t = byKind.get(s.kind) ?? { total: 0, refused: 0 };
    t.total++;
    if (fieldHoldsPan(s.field, s.text)) t.refused++;
    byKind.set(s.kind, t);
  }
  return byKind;
}

describe("the card number detector on the labelled corpus", () => {
  it("catches every card number in every format (recall 100%) and refuses no barcode, id, clock, phone, order number or amount", () => {
    const cards = tally(cardSamples());
    const others = tally(otherSamples());
    const caught = [...cards.values()].reduce((s, t) => s + t.refused, 0);
    const cardTotal = [...cards.values()].reduce((s, t) => s + t.total, 0);
    const wronglyRefused = [...others.values()].reduce((s, t) => s + t.refused, 0);
    const otherTotal = [...others.values()].reduce((s, t) => s + t.total, 0);
    const recall = caught / cardTotal;
    const precision = caught / (caught + wronglyRefused);
    const lines = [
      `card numbers: ${caught} of ${cardTotal} caught (recall ${(recall * 100).toFixed(2)}%)`,
      ...[...cards].map(([kind, t]) => `  ${kind.padEnd(22)} ${t.refused}/${t.total}`),
      `not card numbers: ${wronglyRefused} of ${otherTotal} refused (precision ${(precision * 100).toFixed(2)}%)`,
      ...[...others].map(([kind, t]) => `  ${kind.padEnd(22)} ${t.refused}/${t.total} refused`),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    expect([...cards].filter(([, t]) => t.refused < t.total).map(([k]) => k)).toEqual([]);
    expect([...others].filter(([, t]) => t.refused > 0).map(([k, t]) => `${k}: ${t.refused}`)).toEqual([]);
  });

  it("catches generated card numbers of every brand in any format (property)", () => {
    const brand = fc.constantFrom(...ISSUED);
    fc.assert(
      fc.property(brand, fc.nat(), fc.constantFrom(...CARD_FORMATS), fc.string({ maxLength: 8 }), (b, n, format, before) => {
        const prefix = b.prefixes[n % b.prefixes.length] as string;
        const length = b.lengths[n % b.lengths.length] as number;
        const body = (prefix + String(n).padStart(length, "7")).slice(0, length - 1);
        const check = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(String).find((d) => luhn(body + d)) as string;
        const text = `${before.replace(/\p{N}/gu, "")} ${format.write(body + check)}`;
        expect(fieldHoldsPan("description", text)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("never refuses a UUIDv7 or a GTIN in a barcode field (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(8, 12, 13, 14), fc.bigInt({ min: 0n, max: 10n ** 13n }), (length, n) => {
        const body = n
          .toString()
          .padStart(length - 1, "0")
          .slice(-(length - 1));
        const check = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(String).find((d) => gtin(body + d)) as string;
        expect(fieldHoldsPan("sku", body + check)).toBe(false);
        expect(fieldHoldsPan("eventId", newEventId())).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });
});

function luhn(d: string): boolean {
  let total = 0;
  for (let i = d.length - 1, double = false; i >= 0; i--, double = !double) {
    let v = d.charCodeAt(i) - 48;
    if (double) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    total += v;
  }
  return total % 10 === 0;
}

function gtin(d: string): boolean {
  let total = 0;
  for (let i = d.length - 1, w = 1; i >= 0; i--, w = 4 - w) total += (d.charCodeAt(i) - 48) * w;
  return total % 10 === 0;
}
