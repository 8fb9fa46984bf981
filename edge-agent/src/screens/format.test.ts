import { describe, expect, it } from "vitest";
import { displayAge, displayMoney, eventTypeLabel } from "./format.ts";

describe("screen formatting", () => {
  it("shows money with its symbol or code and two decimals", () => {
    expect(displayMoney({ amount: 1999, currency: "USD" })).toBe("$19.99");
    expect(displayMoney({ amount: -250, currency: "EUR" })).toBe("-€2.50");
    expect(displayMoney({ amount: 123456789, currency: "JPY" })).toBe("JPY 1,234,567.89");
    expect(displayMoney({ amount: 5, currency: "GBP" })).toBe("£0.05");
  });

  it("shows ages in the largest sensible units", () => {
    expect(displayAge(null)).toBe("—");
    expect(displayAge(4_900)).toBe("4 s");
    expect(displayAge(95_000)).toBe("1 min 35 s");
    expect(displayAge(7_380_000)).toBe("2 h 3 min");
  });

  it("names event types for people and keeps unknown ones", () => {
    expect(eventTypeLabel("sale.completed")).toBe("Sale");
    expect(eventTypeLabel("x.y")).toBe("x.y");
  });
});
