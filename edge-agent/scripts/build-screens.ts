/** `pnpm build`'s second step: the screens' browser scripts, bundled with esbuild into dist/screens/. */
import { resolve } from "node:path";
import { buildClientScripts } from "../src/screens/client-scripts.ts";

const outDir = resolve(process.argv[2] ?? "dist/screens");
await buildClientScripts(outDir);
process.stdout.write(`screens' scripts written to ${outDir}\n`);
