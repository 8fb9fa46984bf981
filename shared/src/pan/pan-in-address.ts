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
    if (fieldHoldsPan(name, value)) return `the query parameter ${name.slice(0, 40)}`;
  }
  return undefined;
}
