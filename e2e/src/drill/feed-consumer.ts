/**
 * A consumer of one region's feed, as a downstream system would run it: it keeps its last cursor,
 * reads on from it page after page, and on 409 `feed_cursor_stale` goes on from the answer's
 * `details.resumeCursor`. It keeps every item it was given and tells repeats apart by event id
 * (a tender result by its event and tender): a repeat must carry `mayRepeat`.
 */
import { FeedCursorStaleSchema, type FeedItem, RegionApiError, RegionClient } from "@tenderline/shared";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StaleAnswer {
  /** Milliseconds since the epoch, when the region answered 409. */
  at: number;
  cursor: string;
  resumeCursor: string;
  epoch: string;
}

export interface Repeat {
  key: string;
  firstCursor: string;
  cursor: string;
  marked: boolean;
}

/** The key a consumer de-duplicates by: the event id, or a tender result's event and tender. */
export function feedItemKey(item: FeedItem): string {
  if (item.kind === "event") {
    const eventId = (item.event as { eventId?: unknown } | null)?.eventId;
    return `event:${typeof eventId === "string" ? eventId : item.cursor}`;
  }
  const r = item.reconciliation as { eventId?: unknown; tenderId?: unknown } | null;
  return `result:${String(r?.eventId)}:${String(r?.tenderId)}`;
}

/** What a consumer saw, reduced: each event id once (with the cursor it first came at), the repeats and their marks. */
export function classifyDeliveries(items: readonly FeedItem[]): {
  eventIds: Map<string, number>;
  firstCursor: Map<string, string>;
  repeats: Repeat[];
} {
  const first = new Map<string, string>();
  const eventIds = new Map<string, number>();
  const repeats: Repeat[] = [];
  for (const item of items) {
    const key = feedItemKey(item);
    const before = first.get(key);
    if (before === undefined) {
      first.set(key, item.cursor);
      if (key.startsWith("event:")) eventIds.set(key.slice("event:".length), 1);
    } else {
      repeats.push({ key, firstCursor: before, cursor: item.cursor, marked: item.mayRepeat === true });
    }
  }
  const firstCursor = new Map(
    [...first].filter(([key]) => key.startsWith("event:")).map(([key, cursor]) => [key.slice("event:".length), cursor] as const),
  );
  return { eventIds, firstCursor, repeats };
}

export class FeedConsumer {
  /** Every item delivered, in order, repeats included. */
  readonly delivered: FeedItem[] = [];
  readonly staleAnswers: StaleAnswer[] = [];
  /** Failed reads other than feed_cursor_stale (the region down, restarting, busy). */
  unreachable = 0;
  cursor = "0";
  private stopping = false;
  private deadline = Number.POSITIVE_INFINITY;
  private loop: Promise<void> | undefined;
  private readonly client: RegionClient;

  constructor(
    readonly region: string,
    baseUrl: string,
    token: string,
    private readonly pageSize = 500,
  ) {
    this.client = new RegionClient(baseUrl, token, { timeoutMs: 30_000 });
  }

  start(): this {
    this.loop = this.run();
    return this;
  }

  /** Reads on until a page brings nothing new (within `timeoutMs`), then stops. */
  async drainAndStop(timeoutMs = 60_000): Promise<void> {
    this.deadline = Date.now() + timeoutMs;
    this.stopping = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    for (;;) {
      if (Date.now() > this.deadline) return;
      try {
        const page = await this.client.feedPage({ after: this.cursor, limit: this.pageSize });
        this.delivered.push(...page.items);
        this.cursor = page.nextCursor;
        if (page.items.length === 0) {
          if (this.stopping) return;
          await sleep(300);
        }
      } catch (error) {
        if (!(error instanceof RegionApiError)) throw error;
        if (error.code === "feed_cursor_stale") {
          const stale = FeedCursorStaleSchema.parse(error.facts);
          this.staleAnswers.push({ at: Date.now(), cursor: this.cursor, resumeCursor: stale.resumeCursor, epoch: stale.epoch });
          this.cursor = stale.resumeCursor;
          continue;
        }
        this.unreachable++;
        await sleep(500);
      }
    }
  }
}
