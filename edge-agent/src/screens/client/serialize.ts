/**
 * Serves a client function as a classic script. The function must be self-contained (no imports
 * used at run time): only its source text travels. Transpilers that keep function names (tsx,
 * esbuild with keepNames) call a `__name` helper inside the text, so the script defines one.
 */
export function scriptFrom(client: () => void): string {
  return `(function () {\n"use strict";\nvar __name = function (target) { return target; };\n(${client.toString()})();\n})();\n`;
}
