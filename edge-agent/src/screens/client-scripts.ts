import { access, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildOptions } from "esbuild";

/**
 * The screens' browser scripts: TypeScript modules under client/, bundled by esbuild into one
 * classic script per screen (no import or export left, so `<script src defer>` under the strict
 * CSP runs it). The build writes them once (dist/screens/); development and tests, running the
 * sources, bundle them in memory on first use.
 */
export interface ClientScripts {
  cashier: string;
  manager: string;
}

const SCREENS = ["cashier", "manager"] as const;

function entryPoints(): Record<(typeof SCREENS)[number], string> {
  return {
    cashier: fileURLToPath(new URL("./client/cashier.ts", import.meta.url)),
    manager: fileURLToPath(new URL("./client/manager.ts", import.meta.url)),
  };
}

function options(): BuildOptions {
  return {
    entryPoints: entryPoints(),
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: false,
    sourcemap: false,
    // Paths in the bundle's comments are relative to here, whatever the process's directory.
    absWorkingDir: fileURLToPath(new URL(".", import.meta.url)),
    legalComments: "none",
    logLevel: "silent",
  };
}

/**
 * Loaded only here: a production install (prebuilt scripts, no esbuild) never needs it. The
 * specifier is a variable so a bundler building the agent leaves esbuild (a native binary) out.
 */
const ESBUILD = "esbuild";
async function esbuild(): Promise<typeof import("esbuild")> {
  return (await import(ESBUILD)) as typeof import("esbuild");
}

/** Bundles client/cashier.ts and client/manager.ts into `<outDir>/cashier.js` and `<outDir>/manager.js`. */
export async function buildClientScripts(outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const { build } = await esbuild();
  await build({ ...options(), outdir: outDir, write: true });
}

/** The same bundles, in memory. */
async function bundleInMemory(): Promise<ClientScripts> {
  const { build } = await esbuild();
  // outdir only names the outputs; nothing is written.
  const outdir = fileURLToPath(new URL("./client-scripts.out/", import.meta.url));
  const result = await build({ ...options(), outdir, write: false });
  const text = (name: string) => {
    const file = result.outputFiles.find((f) => f.path === join(outdir, `${name}.js`));
    if (!file) throw new Error(`esbuild produced no ${name}.js`);
    return file.text;
  };
  return { cashier: text("cashier"), manager: text("manager") };
}

/** Where a build puts the scripts beside the running module: dist/screens/ for the flat dist/*.js bundle. */
function prebuiltCandidates(): string[] {
  return [new URL("./screens/", import.meta.url), new URL("../screens/", import.meta.url)].map((u) => fileURLToPath(u));
}

async function readPrebuilt(dir: string): Promise<ClientScripts | null> {
  try {
    await access(join(dir, "cashier.js"));
  } catch {
    return null;
  }
  const [cashier, manager] = await Promise.all(SCREENS.map((name) => readFile(join(dir, `${name}.js`), "utf8")));
  return { cashier: cashier as string, manager: manager as string };
}

export interface LoadClientScriptsOptions {
  /** Look for prebuilt cashier.js and manager.js here only (default: screens/ beside or above this module). */
  prebuiltDir?: string;
}

const cache = new Map<string, Promise<ClientScripts>>();

/**
 * The two scripts' text: the prebuilt files when there are any, else bundled from the sources now.
 * Cached (per prebuiltDir); a failure is not, so the next call tries again.
 */
export function loadClientScripts(opts: LoadClientScriptsOptions = {}): Promise<ClientScripts> {
  const key = opts.prebuiltDir ?? "";
  let loading = cache.get(key);
  if (!loading) {
    loading = (async () => {
      for (const dir of opts.prebuiltDir === undefined ? prebuiltCandidates() : [opts.prebuiltDir]) {
        const found = await readPrebuilt(dir);
        if (found) return found;
      }
      return bundleInMemory();
    })();
    cache.set(key, loading);
    loading.catch(() => cache.delete(key));
  }
  return loading;
}
