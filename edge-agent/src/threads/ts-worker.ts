import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

const require = createRequire(import.meta.url);
/** tsx's loader API, resolved from this package so the worker finds it whatever the cwd. */
const TSX_API = pathToFileURL(require.resolve("tsx/esm/api")).href.replace(/\.cjs$/, ".mjs");

/**
 * Starts a worker thread on a TypeScript module. On Node 20 a worker does not inherit the
 * parent's `--import tsx` (and rejects it in execArgv), so a small bootstrap registers tsx's loader
 * inside the worker and then imports the module; the same works under vitest.
 */
export function startTsWorker(module: URL, options: Omit<WorkerOptions, "eval"> = {}): Worker {
  const bootstrap = `
    import(${JSON.stringify(TSX_API)})
      .then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })
      .catch((error) => { process.nextTick(() => { throw error; }); });
  `;
  return new Worker(bootstrap, { ...options, eval: true });
}
