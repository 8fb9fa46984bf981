/** Reads what a region holds, for the drill's checks: its whole feed, digest, register status, metrics. */
import { api } from "../chain/chain.ts";

export interface FeedEventItem {
  kind: "event" | "tender_result";
  /** The region whose ingest first took the record (the rest came by replication). */
  originRegion: string;
  ingestedAt: string;
  event: {
    eventId: string;
    storeId: string;
    registerId: string;
    seq: number;
    type: string;
    occurredAt: string;
    payload: Record<string, unknown>;
  } | null;
  reconciliation: { state: string; tenders: Array<{ tenderId: string; state: string }> } | null;
}

export async function readWholeFeed(baseUrl: string, token: string): Promise<FeedEventItem[]> {
  const items: FeedEventItem[] = [];
  let cursor = "0";
  for (;;) {
    const page = await api<{ items: FeedEventItem[]; nextCursor: string }>(`${baseUrl}/v1/feed?after=${cursor}&limit=1000`, {
      token,
    });
    items.push(...page.items);
    if (page.items.length === 0 || page.nextCursor === cursor) return items;
    cursor = page.nextCursor;
  }
}

export async function readDigest(baseUrl: string, token: string): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/digest`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${baseUrl}/v1/digest answered ${response.status}`);
  return response.text();
}

export async function readRegister(
  baseUrl: string,
  token: string,
  storeId: string,
  registerId: string,
): Promise<{ contiguousSeq: number; gaps: Array<{ from: number; to: number }> }> {
  const url = `${baseUrl}/v1/stores/${encodeURIComponent(storeId)}/registers/${encodeURIComponent(registerId)}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  // A register that never reached this region has nothing here: seq 0, which the check reports.
  if (response.status === 404) return { contiguousSeq: 0, gaps: [] };
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return (await response.json()) as { contiguousSeq: number; gaps: Array<{ from: number; to: number }> };
}

/** Events a region has accepted so far (its ingest counter), or undefined when it does not answer. */
export async function acceptedCount(baseUrl: string, adminToken: string): Promise<number | undefined> {
  try {
    const response = await fetch(`${baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${adminToken}` },
      signal: AbortSignal.timeout(800),
    });
    if (!response.ok) return undefined;
    let total = 0;
    for (const line of (await response.text()).split("\n")) {
      if (line.startsWith("tenderline_ingest_events_total{") && line.includes('outcome="accepted"')) {
        total += Number(line.slice(line.lastIndexOf(" ") + 1));
      }
    }
    return total;
  } catch (error) {
    if (error instanceof Error) return undefined; // a dead region is part of the drill
    throw error;
  }
}
