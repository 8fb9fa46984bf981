/**
 * A small Code 128 reader for tests: from the bars of an SVG barcode (as bwip-js draws them: one
 * `<path stroke-width="W" d="Mx y1Lx y2…">` per bar width, each bar a vertical stroke centred on x,
 * or `<rect x width>` elements) back to the text, checking the start, the checksum and the stop.
 * Independent of the encoder, so a barcode that says anything else than the text fails the test.
 */

/** Bar/space widths (in modules) of symbol values 0..105; 106 is the stop (7 elements). */
const PATTERNS = [
  "212222",
  "222122",
  "222221",
  "121223",
  "121322",
  "131222",
  "122213",
  "122312",
  "132212",
  "221213",
  "221312",
  "231212",
  "112232",
  "122132",
  "122231",
  "113222",
  "123122",
  "123221",
  "223211",
  "221132",
  "221231",
  "213212",
  "223112",
  "312131",
  "311222",
  "321122",
  "321221",
  "312212",
  "322112",
  "322211",
  "212123",
  "212321",
  "232121",
  "111323",
  "131123",
  "131321",
  "112313",
  "132113",
  "132311",
  "211313",
  "231113",
  "231311",
  "112133",
  "112331",
  "132131",
  "113123",
  "113321",
  "133121",
  "313121",
  "211331",
  "231131",
  "213113",
  "213311",
  "213131",
  "311123",
  "311321",
  "331121",
  "312113",
  "312311",
  "332111",
  "314111",
  "221411",
  "431111",
  "111224",
  "111422",
  "121124",
  "121421",
  "141122",
  "141221",
  "112214",
  "112412",
  "122114",
  "122411",
  "142112",
  "142211",
  "241211",
  "221114",
  "413111",
  "241112",
  "134111",
  "111242",
  "121142",
  "121241",
  "114212",
  "124112",
  "124211",
  "411212",
  "421112",
  "421211",
  "212141",
  "214121",
  "412121",
  "111143",
  "111341",
  "131141",
  "114113",
  "114311",
  "411113",
  "411311",
  "113141",
  "114131",
  "311141",
  "411131",
  "211412",
  "211214",
  "211232",
];
const STOP = "2331112";
const START = { 103: "A", 104: "B", 105: "C" } as const;

for (const [i, p] of PATTERNS.entries()) {
  const modules = [...p].reduce((s, d) => s + Number(d), 0);
  if (modules !== 11) throw new Error(`Code 128 table: value ${i} has ${modules} modules, not 11`);
}

export interface Bar {
  left: number;
  width: number;
}

/** The bars of an SVG barcode, left to right. */
export function barsOfSvg(svg: string): Bar[] {
  const bars: Bar[] = [];
  for (const m of svg.matchAll(/<path\b([^>]*)\/?>/g)) {
    const attrs = m[1] as string;
    const width = /stroke-width="([\d.]+)"/.exec(attrs);
    const d = /\bd="([^"]*)"/.exec(attrs);
    if (!width || !d) continue; // text glyphs are filled outlines, not stroked bars
    const w = Number(width[1]);
    for (const seg of (d[1] as string).matchAll(/M\s*([\d.]+)[\s,]+([\d.]+)\s*L\s*([\d.]+)[\s,]+([\d.]+)/g)) {
      const [x1, x2] = [Number(seg[1]), Number(seg[3])];
      if (x1 !== x2) throw new Error(`not a vertical bar: ${seg[0]}`);
      bars.push({ left: x1 - w / 2, width: w });
    }
  }
  for (const m of svg.matchAll(/<rect\b([^>]*)\/?>/g)) {
    const attrs = m[1] as string;
    if (/fill="(#fff|#ffffff|white|none)"/i.test(attrs)) continue;
    const x = /\bx="([\d.]+)"/.exec(attrs);
    const width = /\bwidth="([\d.]+)"/.exec(attrs);
    if (x && width) bars.push({ left: Number(x[1]), width: Number(width[1]) });
  }
  bars.sort((a, b) => a.left - b.left);
  return bars;
}

/** Bar and space widths in modules, alternating, starting with a bar. */
export function moduleRuns(bars: readonly Bar[]): number[] {
  if (bars.length === 0) throw new Error("no bars");
  const unit = Math.min(...bars.map((b) => b.width));
  const runs: number[] = [];
  const modules = (px: number) => {
    const n = px / unit;
    if (Math.abs(n - Math.round(n)) > 0.1) throw new Error(`a width of ${px} is not a whole number of ${unit}-px modules`);
    return Math.round(n);
  };
  bars.forEach((b, i) => {
    if (i > 0) {
      const prev = bars[i - 1] as Bar;
      runs.push(modules(b.left - (prev.left + prev.width)));
    }
    runs.push(modules(b.width));
  });
  return runs;
}

/** The symbol values of a Code 128 barcode (start, data, checksum), after checking the stop pattern. */
export function symbolValues(runs: readonly number[]): number[] {
  if ((runs.length - 7) % 6 !== 0) throw new Error(`${runs.length} bars and spaces is not a Code 128 symbol`);
  const values: number[] = [];
  for (let i = 0; i < runs.length - 7; i += 6) {
    const pattern = runs.slice(i, i + 6).join("");
    const value = PATTERNS.indexOf(pattern);
    if (value < 0) throw new Error(`symbol ${i / 6} (${pattern}) is not in the Code 128 table`);
    values.push(value);
  }
  if (runs.slice(-7).join("") !== STOP) throw new Error(`no stop pattern at the end (${runs.slice(-7).join("")})`);
  return values;
}

/** The text a Code 128 barcode encodes (code sets A, B and C, with shifts); checks start and checksum. */
export function decodeCode128(values: readonly number[]): string {
  const [start, ...rest] = values;
  if (start === undefined || !(start in START)) throw new Error(`first symbol ${start} is not a start code`);
  const check = rest.pop();
  const sum = values.slice(0, -1).reduce((s, v, i) => s + v * Math.max(i, 1), 0) % 103;
  if (check !== sum) throw new Error(`checksum symbol ${check} should be ${sum}`);
  let set: "A" | "B" | "C" = START[start as 103 | 104 | 105];
  let shift = false;
  let text = "";
  for (const v of rest) {
    const current = shift ? (set === "A" ? "B" : "A") : set;
    shift = false;
    if (current === "C") {
      if (v < 100) text += String(v).padStart(2, "0");
      else if (v === 100) set = "B";
      else if (v === 101) set = "A";
      else if (v === 102)
        continue; // FNC1
      else throw new Error(`value ${v} in code set C`);
      continue;
    }
    if (v < 96) {
      text += current === "B" ? String.fromCharCode(v + 32) : String.fromCharCode(v < 64 ? v + 32 : v - 64);
    } else if (v === 98) shift = true;
    else if (v === 99) set = "C";
    else if (v === 100 && current === "A") set = "B";
    else if (v === 101 && current === "B") set = "A";
    else if (v === 96 || v === 97 || v === 102 || v === 100 || v === 101)
      continue; // FNC1..4
    else throw new Error(`value ${v} in code set ${current}`);
  }
  return text;
}

/** The text of the (first) Code 128 barcode drawn in this SVG. */
export function readCode128Svg(svg: string): string {
  return decodeCode128(symbolValues(moduleRuns(barsOfSvg(svg))));
}
