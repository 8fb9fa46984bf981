import { el, input } from "./dom.ts";

export type Mode = "sale" | "return" | "receipt";

/** Shows one of the cashier's three panels and puts the cursor where the next scan or lookup goes. */
export function setMode(mode: Mode): void {
  el("sale-mode").hidden = mode !== "sale";
  el("return-mode").hidden = mode !== "return";
  el("receipt-mode").hidden = mode !== "receipt";
  el("mode-sale").setAttribute("aria-pressed", String(mode === "sale"));
  el("mode-return").setAttribute("aria-pressed", String(mode === "return"));
  if (mode === "sale") input("scan").focus();
  if (mode === "return") input("lookup").focus();
}
