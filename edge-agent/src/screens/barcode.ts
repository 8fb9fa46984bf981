import { ServiceError } from "@tenderline/shared";
import { toSVG } from "bwip-js";

/**
 * A receipt number as a Code 128 barcode, drawn here as SVG (one `<path>` per bar width, each bar a
 * vertical stroke): printable by any browser, readable by any wedge scanner, which types the
 * number back followed by Enter. No text under the bars: the page prints the number beside it.
 */
export function receiptBarcodeSvg(text: string): string {
  let svg: string;
  try {
    // scale 2: a 2-px module, wide enough for a laser scanner at receipt-printer resolutions.
    svg = toSVG({ bcid: "code128", text, scale: 2, height: 12, includetext: false, paddingwidth: 10, paddingheight: 2 });
  } catch (error) {
    // bwip-js throws a string or an Error for text it cannot encode; a receipt number never is.
    throw new ServiceError(500, "barcode_failed", `the receipt barcode could not be drawn: ${String(error)}`);
  }
  return svg.replace("<svg ", '<svg class="barcode" role="img" aria-label="Code 128 barcode of the receipt number" ');
}
