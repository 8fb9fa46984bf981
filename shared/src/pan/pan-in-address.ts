import { isEpochFeedCursor } from "../api/feed-cursor.ts";
import { mayHoldCardNumber } from "./pan-detector.ts";
import { fieldHoldsPan } from "./pan-guard.ts";

function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    return part;
  }
}

/**
 * Where in a request's address (path, query names and values) a card number is, in words that
 * never repeat it; undefined when nowhere. Both services refuse such a request before any route
 * reads it, so nothing can log or echo it.
 */
export function panInAddress(url: URL): string | undefined {
  if (fieldHoldsPan(undefined, decoded(url.pathname))) return "the request's path";
  for (const [name, value] of url.searchParams) {
    if (fieldHoldsPan(undefined, name)) return "a query parameter's name";
    // The feed's own cursor, whose dot-joined digits can read as a card number (feed-cursor.ts).
    // Only here, in a query (no route logs or stores one): a body's fields are read in full.
    if (name === "after" && isEpochFeedCursor(value)) continue;
    if (fieldHoldsPan(name, value)) return `the query parameter ${name.slice(0, 40)}`;
  }
  return undefined;
}

/**
 * panInAddress for a request's full address as a string, without parsing it in the common case:
 * with no escapes (`%`) and no `+`, every decoded part of the path and query is a piece of the
 * raw text, so raw text that cannot hold a card number has none anywhere. Every request passes
 * here, and parsing each address was most of this check's cost.
 */
export function panInHref(href: string): string | undefined {
  const scheme = href.indexOf("//");
  const start = href.indexOf("/", scheme < 0 ? 0 : scheme + 2);
  const address = start < 0 ? "" : href.slice(start);
  if (!address.includes("%") && !address.includes("+") && !mayHoldCardNumber(address)) return undefined;
  return panInAddress(new URL(href));
}
