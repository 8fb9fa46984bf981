import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fieldHoldsPan } from "./pan-guard.ts";
import { panInAddress, panInHref } from "./pan-in-address.ts";

const VISA = "4111111111111111";

describe("a card number in a request's address", () => {
  it("is found in the path, plain, spaced by escapes, or with its digits escaped", () => {
    expect(panInHref(`http://127.0.0.1:8080/v1/cards/${VISA}`)).toBe("the request's path");
    expect(panInHref("http://127.0.0.1:8080/v1/cards/4111%201111%201111%201111")).toBe("the request's path");
    expect(panInHref("http://127.0.0.1:8080/v1/cards/%34%31%31%31111111111111")).toBe("the request's path");
  });

  it("is found in a query value joined by +, and in a query name", () => {
    expect(panInHref("http://h/v1/x?card=4111+1111+1111+1111")).toBe("the query parameter card");
    expect(panInHref(`http://h/v1/x?${VISA}=1`)).toBe("a query parameter's name");
  });

  it("is not seen in ordinary addresses, whatever digits the host and port hold", () => {
    expect(panInHref("http://127.0.0.1:35565/v1/stores/store-001/registers/reg-0123")).toBeUndefined();
    expect(panInHref("http://10.100.200.300:65535/v1/events/batch?after=1796236670454")).toBeUndefined();
  });

  it("gets the same answer as a check of the parsed address, for any address", () => {
    const piece = fc.oneof(
      fc.constantFrom(VISA, "4111-1111-1111-1111", "4111 1111", "%34", "%20", "+", "/", "-", ".", "=", "&", "?", "a"),
      fc.stringMatching(/^[0-9]{1,8}$/),
      fc.stringMatching(/^[a-z0-9._~-]{0,6}$/),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const href = `http://127.0.0.1:4111/${pieces.join("")}`;
        if (!URL.canParse(href)) return; // not an address a server would be handed
        const url = new URL(href);
        expect(panInHref(url.href)).toBe(panInAddress(url));
      }),
      { numRuns: 3000 },
    );
  });

  it("is not seen in the feed's own cursor, whose dot-joined digits can read as a card number", () => {
    // Found by search: the digits 345678 · 3 · 12345678 joined by the dots are a Luhn-valid card number.
    const cursor = "0a1b2c345678.3.12345678";
    expect(panInHref(`http://h/v1/x?q=${cursor}`)).toBe("the query parameter q");
    expect(panInHref(`http://h/v1/feed?after=${cursor}&limit=1000`)).toBeUndefined();
    const anyCursor = fc
      .tuple(fc.stringMatching(/^[0-9a-f]{12}$/), fc.nat(), fc.stringMatching(/^([0-9a-f]{8})?$/))
      .map(([epoch, pos, check]) => `${epoch}.${pos}.${check}`);
    fc.assert(
      fc.property(anyCursor, (c) => {
        expect(panInHref(`http://h/v1/feed?after=${c}&limit=1000`)).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
  });

  it("is still found in the feed's after when it is not a cursor the feed hands out", () => {
    expect(panInHref(`http://h/v1/feed?after=${VISA}`)).toBe("the query parameter after");
    expect(panInHref("http://h/v1/feed?after=4111.1111.1111.1111")).toBe("the query parameter after");
    expect(panInHref("http://h/v1/feed?after=0a1b2c345678.3.12345678.4111111111111111")).toBe("the query parameter after");
  });

  it("is found in a body field named after whatever its shape: the exception is the feed's query only", () => {
    // A Visa number written in the cursor's shape.
    expect(fieldHoldsPan("after", "411111111111.1111.")).toBe(true);
    expect(panInHref("http://h/v1/feed?after=411111111111.1111.")).toBeUndefined();
  });
});
