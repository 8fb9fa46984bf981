import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's Chromium (apt), or the one TENDERLINE_CHROMIUM names: no browser is downloaded. */
export const CHROMIUM = process.env.TENDERLINE_CHROMIUM ?? "/usr/bin/chromium";

/**
 * A real headless Chromium on a throwaway profile, as the screens' browser tests drive it:
 * no sandbox (containers), no background networking, UTC and en-US so dates and amounts read the
 * same everywhere. `problems` collects page errors and console errors from every page opened with
 * `open` (a failed resource load is the test's own business: it asserts on what the page shows).
 */
export interface TestBrowser {
  context: BrowserContext;
  problems: string[];
  /** A new page on `url` (the agent's base URL followed by a path), its errors collected in `problems`. */
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "tl-chromium-"));
  const problems: string[] = [];
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"],
      viewport: { width: 1280, height: 800 },
      locale: "en-US",
      timezoneId: "UTC",
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  context.setDefaultTimeout(30_000);
  return {
    context,
    problems,
    async open(url) {
      const page = await context.newPage();
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error" && !m.text().includes("Failed to load resource")) problems.push(`console: ${m.text()}`);
      });
      await page.goto(url);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
