/** One readable sentence per exception, for screens that show a list (the manager screen). */
export function describeException(kind: string, subject: string, d: Record<string, unknown>): string {
  switch (kind) {
    case "amount_mismatch":
      return `offline card tender ${subject}: the processor settled ${(d.processorAmount as { amount?: number })?.amount} instead of ${(d.expected as { amount?: number })?.amount}`;
    case "declined":
      return `offline card tender ${subject} was declined by the processor (${d.declineReason ?? "no reason"}): the money was not collected`;
    case "not_found":
      return `offline card tender ${subject}: the processor has no record of it past the deadline`;
    case "over_refund":
      return `refunds of ${d.refunded} on transaction ${subject} exceed the ${d.paid} paid (${(d.returns as unknown[] | undefined)?.length ?? 0} returns)`;
    case "unverified_return_mismatch":
      return `unverified return ${subject} (store ${d.storeId}, register ${d.registerId}${d.managerId ? `, approved by manager ${d.managerId}` : ""}) does not match its original: ${d.reason}`;
    case "stored_value_overdrawn": {
      const r = (d.redemptions as Array<{ online?: boolean }> | undefined) ?? [];
      return `${d.accountKind === "store_credit" ? "store credit" : "gift card"} ending ${d.last4} (${subject}) is overdrawn: balance ${d.balanceText}, ${r.length} redemptions (${r.filter((x) => !x.online).length} offline)`;
    }
    case "stored_value_unreadable":
      return `the ${d.accountKind === "store_credit" ? "store credit" : "gift card"} number of ${subject}${d.last4 ? ` (ending ${d.last4})` : ""} could not be opened: nothing was entered in its account (${d.reason})`;
    case "replication_conflict":
      return `record ${subject} from region ${d.peer} clashes with what this region holds (${d.reason})`;
    case "conflicts":
      return `store ${subject} sent ${d.conflicts} conflicting events in ${d.windowMinutes} min`;
    case "duplicate_storm":
      return `store ${subject} resent ${d.duplicates} duplicates in ${d.windowMinutes} min`;
    case "gap":
      return `register ${subject} has had a gap above seq ${d.contiguousSeq} since ${d.gapSince}`;
    case "store_silent":
      return `nothing heard from store ${subject} since ${d.lastSeenAt}`;
    case "decline_rate":
      return `store ${subject}: ${d.declined} of ${d.total} offline card tenders declined`;
    case "replication_lag":
      return `region ${subject} is ${Math.round(Number(d.lagMs) / 1000)} s behind`;
    default:
      return `${kind}: ${subject}`;
  }
}
