/** The drill's check of the stored-value ledger: the same balances in both regions, each what its entries add up to. */
import { RegionClient } from "@tenderline/shared";
import type { Chain } from "../chain/chain.ts";

export async function checkStoredValue(chain: Chain): Promise<{ accounts: number; problems: string[] }> {
  const clients = ["A", "B"].map((r) => new RegionClient(chain.regionUrl(r), chain.tokens.admin, { timeoutMs: 60_000 }));
  const [a, b] = await Promise.all(clients.map((c) => c.storedValueBalances()));
  if (!a || !b) return { accounts: 0, problems: ["a region did not answer its balances"] };
  const problems: string[] = [];
  const inB = new Map(b.accounts.map((x) => [x.token, x.balance.amount]));
  for (const account of a.accounts) {
    if (inB.get(account.token) !== account.balance.amount) {
      problems.push(`${account.token}: A says ${account.balance.amount}, B says ${inB.get(account.token) ?? "nothing"}`);
    }
  }
  if (b.accounts.length !== a.accounts.length) problems.push(`A holds ${a.accounts.length} accounts, B ${b.accounts.length}`);
  for (const [region, client] of [
    ["A", clients[0]],
    ["B", clients[1]],
  ] as const) {
    for (const account of (region === "A" ? a : b).accounts) {
      const detail = await client?.storedValueAccount(account.token);
      const sum = detail?.entries.reduce((s, e) => s + e.amount.amount, 0);
      if (sum !== detail?.balance.amount)
        problems.push(`${region} ${account.token}: entries add up to ${sum}, balance ${detail?.balance.amount}`);
    }
  }
  return { accounts: a.accounts.length, problems };
}
