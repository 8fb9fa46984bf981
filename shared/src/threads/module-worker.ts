import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * The file of a worker module that sits beside the module starting it: `./<name>.ts` when the
 * sources run as they are (tsx, vitest), `./<name>.js` in a compiled build, where every entry and
 * worker is bundled flat into one `dist/` folder.
 */
export function siblingModule(name: string, hostUrl: string): URL {
  return new URL(`./${name}${hostUrl.endsWith(".ts") || hostUrl.endsWith(".tsx") ? ".ts" : ".js"}`, hostUrl);
}

/**
 * Starts a worker thread on a module. Compiled JavaScript starts as it is. TypeScript (development
 * and tests) needs tsx: on Node 20 a worker does not inherit the parent's `--import tsx`, so a small
 * bootstrap registers tsx's loader inside the worker first. tsx is looked up only then, so a
 * production install, which has no tsx, never asks for it.
 */
export function startModuleWorker(module: URL, options: Omit<WorkerOptions, "eval"> = {}): Worker {
  if (!module.pathname.endsWith(".ts")) return new Worker(module, options);
  const require = createRequire(import.meta.url);
  const tsxApi = pathToFileURL(require.resolve("tsx/esm/api")).href.replace(/\.cjs$/, ".mjs");
  const bootstrap = `
    import(${JSON.stringify(tsxApi)})
      .then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })
      .catch((error) => { process.nextTick(() => { throw error; }); });
  `;
  return new Worker(bootstrap, { ...options, eval: true });
}
