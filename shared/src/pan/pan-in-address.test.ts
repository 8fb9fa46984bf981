import fc from "fast-check";
import { describe, expect, it } from "vitest";
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
});
