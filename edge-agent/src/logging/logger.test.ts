import { readFileSync } from "node:fs";
import { join } from "node:path";
import { holdsPan } from "@tenderline/shared";
import { CARD_FORMATS } from "@tenderline/shared/pan-corpus";
import { describe, expect, it } from "vitest";
import { tempDir } from "../testing/fixtures.ts";
import { createLogger } from "./logger.ts";

describe("the agent's logger", () => {
  it("masks a card number however it is written, in messages, fields and errors, and censors secrets", async () => {
    const { dir, cleanup } = tempDir("tl-log-");
    try {
      const file = join(dir, "agent.log");
      const logger = createLogger({ level: "info", file });
      for (const format of CARD_FORMATS) {
        const text = format.write("4111111111111111");
        logger.info({ note: text, nested: { list: [text] } }, `said ${text}`);
        logger.error({ err: new Error(`failed on ${text}`) }, "oops");
      }
      logger.info({ pin: "246810", storeToken: "tl_store_secret" }, "secrets");
      logger.flush();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const written = readFileSync(file, "utf8");
      expect(written.split("\n").filter(Boolean).length).toBe(CARD_FORMATS.length * 2 + 1);
      for (const format of CARD_FORMATS) expect(written).not.toContain(format.write("4111111111111111"));
      expect(written).not.toMatch(/4111.?1111.?1111/);
      // Read back as JSON (a tab comes back as a tab): no value holds a card number.
      for (const line of written.split("\n").filter(Boolean)) expect(holdsPan(JSON.parse(line)), line).toBe(false);
      expect(written).toContain("1111");
      expect(written).not.toContain("246810");
      expect(written).not.toContain("tl_store_secret");
    } finally {
      cleanup();
    }
  });
});
