/**
 * The PAN guard. A full card number (PAN) must never be accepted, stored, logged or sent: any
 * string holding a Luhn-valid run of 13–19 digits (optionally grouped by single spaces or dashes)
 * is treated as one. Order numbers and other digit runs that fail the Luhn check pass.
 */

/** Maximal runs of digits, allowing one space or dash between digits (card numbers are often grouped). */
const DIGIT_RUN = /\d(?:[ -]?\d)*/g;

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

export function containsPan(text: string): boolean {
  for (const match of text.matchAll(DIGIT_RUN)) {
    if (isPanRun(match[0])) return true;
  }
  return false;
}

/** Masks every card-number run for logs: all but the last four digits become '*'. */
export function maskPans(text: string): string {
  return text.replace(DIGIT_RUN, (run) => {
    if (!isPanRun(run)) return run;
    const digits = run.replace(/[ -]/g, "");
    return `${"*".repeat(digits.length - 4)}${digits.slice(-4)}`;
  });
}

export type FieldPath = ReadonlyArray<string | number>;

export function formatPath(path: FieldPath): string {
  if (path.length === 0) return "(root)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** Paths of every string field (at any depth, object keys included) that holds a card number. */
export function findPanFields(value: unknown, path: FieldPath = []): FieldPath[] {
  const found: FieldPath[] = [];
  const walk = (v: unknown, p: FieldPath): void => {
    if (typeof v === "string") {
      if (containsPan(v)) found.push(p);
    } else if (typeof v === "number") {
      // A PAN sent as a JSON number is still a PAN.
      if (Number.isInteger(v) && containsPan(String(v))) found.push(p);
    } else if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) walk(item, [...p, i]);
    } else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        if (containsPan(k)) found.push([...p, "(key)"]);
        walk(child, [...p, k]);
      }
    }
  };
  walk(value, path);
  return found;
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
