/**
 * The PAN guard. A full card number (PAN) must never be accepted, stored, logged or sent: any
 * string holding a Luhn-valid run of 13–19 digits (optionally grouped by single spaces or dashes)
 * is treated as one. Order numbers and other digit runs that fail the Luhn check pass.
 */

/** Maximal runs of digits, allowing one space or dash between digits (card numbers are often grouped). */
const DIGIT_RUN = /\d(?:[ -]?\d)*/g;

/** A UUID (event ids are UUIDv7): its digit groups can join into a Luhn-valid run by chance. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const HEX_LETTER = /[A-Fa-f]/;
const HEX_DIGIT = /[0-9A-Fa-f]/;
const LETTER_OR_DIGIT = /[0-9A-Za-z]/;

/**
 * Digits inside a hex identifier (a hash, or a UUID inside text) are not a card number, which is
 * written as digits alone or grouped by spaces or dashes: the digit run is glued to a hex letter,
 * and the letters and digits around it, up to the first other character, are all hex. Any other
 * letter in that word (`x4111…`, `card4111…`) does not make a card number harmless.
 */
function insideHexIdentifier(text: string, start: number, end: number): boolean {
  if (!HEX_LETTER.test(text.charAt(start - 1)) && !HEX_LETTER.test(text.charAt(end))) return false;
  for (let i = start - 1; i >= 0 && LETTER_OR_DIGIT.test(text.charAt(i)); i--) {
    if (!HEX_DIGIT.test(text.charAt(i))) return false;
  }
  for (let i = end; i < text.length && LETTER_OR_DIGIT.test(text.charAt(i)); i++) {
    if (!HEX_DIGIT.test(text.charAt(i))) return false;
  }
  return true;
}

export function luhnValid(digits: string): boolean {
  let total = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    total += d;
    double = !double;
  }
  return total % 10 === 0;
}

function isPanRun(run: string): boolean {
  const digits = run.replace(/[ -]/g, "");
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
}

function panRuns(text: string): Array<{ start: number; end: number; digits: string }> {
  if (UUID.test(text)) return [];
  const runs: Array<{ start: number; end: number; digits: string }> = [];
  for (const match of text.matchAll(DIGIT_RUN)) {
    const start = match.index;
    const end = start + match[0].length;
    if (isPanRun(match[0]) && !insideHexIdentifier(text, start, end))
      runs.push({ start, end, digits: match[0].replace(/[ -]/g, "") });
  }
  return runs;
}

export function containsPan(text: string): boolean {
  return panRuns(text).length > 0;
}

/** Masks every card-number run for logs: all but the last four digits become '*'. */
export function maskPans(text: string): string {
  let masked = "";
  let from = 0;
  for (const run of panRuns(text)) {
    masked += `${text.slice(from, run.start)}${"*".repeat(run.digits.length - 4)}${run.digits.slice(-4)}`;
    from = run.end;
  }
  return masked + text.slice(from);
}

export type FieldPath = ReadonlyArray<string | number>;

export function formatPath(path: FieldPath): string {
  if (path.length === 0) return "(root)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** 13 or more digits, optionally single-space/dash separated: the only text a card number can hide in. */
const LONG_DIGIT_RUN = /\d(?:[ -]?\d){12}/;

/** Whether a string, key or integer could be (or hold) a card number; the common answer, "no", is cheap. */
function textHoldsPan(text: string): boolean {
  return text.length >= 13 && LONG_DIGIT_RUN.test(text) && containsPan(text);
}

/** Whether an integer, written out, is (or holds) a card number: a PAN sent as a JSON number is still a PAN. */
function numberHoldsPan(value: number): boolean {
  return Number.isInteger(value) && Math.abs(value) >= 1e12 && containsPan(String(value));
}

/**
 * Walks every string, integer and object key of the value, calling `found` with the path (a stack
 * reused along the walk: copy it to keep it) of each that holds a card number; stops as soon as
 * `found` returns false. Short strings are passed over at a glance, so the walk is cheap when,
 * as almost always, nothing is found.
 */
function walkPanFields(value: unknown, path: Array<string | number>, found: (path: FieldPath) => boolean): boolean {
  if (typeof value === "string") return !textHoldsPan(value) || found(path);
  if (typeof value === "number") return !numberHoldsPan(value) || found(path);
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const more = walkPanFields(value[i], path, found);
      path.pop();
      if (!more) return false;
    }
    return true;
  }
  // Object.keys and an index, not Object.entries: no pair array per member on the ingest hot path.
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    path.push(key);
    const more = (!textHoldsPan(key) || found([...path.slice(0, -1), "(key)"])) && walkPanFields(record[key], path, found);
    path.pop();
    if (!more) return false;
  }
  return true;
}

/** Whether any field of the value (at any depth, keys included) holds a card number; stops at the first. */
export function holdsPan(value: unknown): boolean {
  return !walkPanFields(value, [], () => false);
}

/** Paths of every string field (at any depth, object keys included) that holds a card number. */
export function findPanFields(value: unknown, path: FieldPath = []): FieldPath[] {
  const fields: FieldPath[] = [];
  walkPanFields(value, [...path], (p) => {
    fields.push([...p]);
    return true;
  });
  return fields;
}

export class PanDetectedError extends Error {
  readonly code = "pan_detected";
  constructor(readonly fields: string[]) {
    super(
      `a full card number was found in ${fields.join(", ")}; send the card token and last four digits only (the number itself is never accepted)`,
    );
    this.name = "PanDetectedError";
  }
}

/** Throws PanDetectedError naming every offending field; never includes the digits. */
export function assertNoPan(value: unknown): void {
  const fields = findPanFields(value);
  if (fields.length > 0) throw new PanDetectedError(fields.map(formatPath));
}
