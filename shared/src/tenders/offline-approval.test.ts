import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isOfflineApproval } from "./offline-approval.ts";

const card = (offline: unknown, authCode: unknown, processorRef: unknown) => ({
  type: "card",
  offline,
  card: { authCode, processorRef },
});

describe("isOfflineApproval", () => {
  it("an online card approval carries offline: false and both processor codes", () => {
    expect(isOfflineApproval(card(false, "A1B2C3", "PR-1"))).toBe(false);
  });

  it("a card tender flagged offline is offline whatever codes it carries", () => {
    expect(isOfflineApproval(card(true, "A1B2C3", "PR-1"))).toBe(true);
    expect(isOfflineApproval(card(true, null, null))).toBe(true);
  });

  it("a missing authCode or processorRef makes it offline even when flagged online", () => {
    expect(isOfflineApproval(card(false, null, "PR-1"))).toBe(true);
    expect(isOfflineApproval(card(false, "A1B2C3", null))).toBe(true);
    expect(isOfflineApproval(card(false, "", "PR-1"))).toBe(true);
  });

  it("the bypass once reported: offline: true, an authCode and no processorRef", () => {
    expect(isOfflineApproval(card(true, "123456", null))).toBe(true);
  });

  it("a missing or odd offline flag counts as offline", () => {
    expect(isOfflineApproval({ type: "card", card: { authCode: "A", processorRef: "P" } })).toBe(true);
    expect(isOfflineApproval(card("false", "A", "P"))).toBe(true);
  });

  it("only card tenders are ever offline approvals", () => {
    fc.assert(
      fc.property(fc.constantFrom("cash", "gift_card", "store_credit"), fc.anything(), (type, offline) => {
        expect(isOfflineApproval({ type, offline, card: { authCode: null, processorRef: null } })).toBe(false);
      }),
    );
  });
});
