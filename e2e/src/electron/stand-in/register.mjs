// `node --import ./register.mjs dist/electron-main.js`: the compiled Electron main under plain Node,
// its `electron` import answered by electron.mjs (the binary cannot be downloaded on these machines).
import { register } from "node:module";

register("./hooks.mjs", import.meta.url);
