/**
 * The consumer feed's cursor, `epoch.pos.check`: the log's epoch (12 hex digits), a position in it,
 * and the last 8 hex digits of the record id there (empty in a resumeCursor, which names a
 * position, not a record read there). A plain position (digits only) is a cursor from before epochs.
 *
 * Written once here: the region parses it, and the PAN guard must know it. Its digit groups,
 * joined by its dots, can read as a Luhn-valid card number by chance (a PAN written
 * `4111.1111.…`), and a consumer refused its own cursor could never read past that position.
 */
export const EPOCH_FEED_CURSOR = /^([0-9a-f]{12})\.(\d{1,15})\.([0-9a-f]{8})?$/;

/** Whether the text is wholly a feed cursor with an epoch (the form the region hands out). */
export function isEpochFeedCursor(text: string): boolean {
  return EPOCH_FEED_CURSOR.test(text);
}
