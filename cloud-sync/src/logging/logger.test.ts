import { Writable } from "node:stream";
import { holdsPan } from "@tenderline/shared";
import { CARD_FORMATS } from "@tenderline/shared/pan-corpus";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

describe("the region's logger", () => {
  it("masks a card number however it is written, in messages and in fields", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    });
    const logger = createLogger("A", "info", sink);
    for (const format of CARD_FORMATS) {
      const text = format.write("378282246310005");
      logger.warn({ detail: text, peer: { lastError: [text] } }, `refused ${text}`);
    }
    expect(lines).toHaveLength(CARD_FORMATS.length);
    for (const line of lines) expect(holdsPan(JSON.parse(line)), line).toBe(false);
    expect(lines.join("\n")).toContain("0005");
  });
});
