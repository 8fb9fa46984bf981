/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
// The pragmas keep JSX right whatever tsconfig the runner picks up (tsx applies one only to the files it includes).
import {
  computeTotals,
  ErrorBodySchema,
  type ErrorStatus,
  findPanFields,
  formatPath,
  type Money,
  QueueStatusSchema,
  ReceiptViewSchema,
  type ReturnOriginal,
  type SaleLine,
  ServiceError,
  StoredValueBalanceSchema,
  settleTenders,
  sum,
  TENDER_TYPES,
  type TenderInput,
  TenderInputSchema,
  zero,
} from "@tenderline/shared";
import type { Context } from "hono";
import { Hono } from "hono";
import { raw } from "hono/html";
import { z } from "zod";
import { readJson } from "../api/read-json.ts";
import { type AgentConfig, offlineCardLimit } from "../config/config.ts";
import { type Ledger, parseReceiptRef } from "../ledger/ledger.ts";
import type { ManagerAuthority } from "../managers/manager-authority.ts";
import { managerOf, requireManager } from "../managers/manager-routes.ts";
import { prunedAsks } from "../outbox/outbox.ts";
import { splitCloudOriginals } from "../register/return-plan.ts";
import type { CloudReturns } from "../returns/cloud-returns.ts";
import type { UnverifiedReturnsView } from "../returns/unverified-view.ts";
import type { OfflineStoredValueExposure } from "../risk/offline-stored-value-limits.ts";
import type { Db } from "../storage/database.ts";
import { receiptBarcodeSvg } from "./barcode.ts";
import { approveOnTerminal, ENTRY_MODES, TEST_CARDS, type TestCard } from "./card-terminal.ts";
import {
  CartView,
  CashierBody,
  ExchangePreviewView,
  GiftCardBalanceView,
  PrintReceiptPage,
  ReceiptView,
  type ReturnableLine,
  ReturnOriginalView,
  ReturnPreviewView,
  type Settlement,
  TendersView,
  TotalsView,
} from "./cashier-views.tsx";
import { quoteCart, UnknownItemError } from "./catalogue.ts";
import { loadClientScripts } from "./client-scripts.ts";
import { DrainRate } from "./drain-rate.ts";
import { GiftCardCodeError, tokenizeGiftCard } from "./gift-card.ts";
import { LinkPill, Page } from "./layout.tsx";
import { buildManagerView, type ManagersView, type QueueJson } from "./manager-view.ts";
import { ManagerAuthBar, ManagerPanel } from "./manager-views.tsx";
import { RecentEvents } from "./recent-events.ts";
import { RegionExceptions } from "./region-exceptions.ts";
import { type Connectivity, RegionProbes } from "./region-probes.ts";
import {
  cloudTenderLabels,
  maskedAllocation,
  type PreviewCloud,
  previewExchange,
  previewReturn,
  tenderLabel,
} from "./return-preview.ts";
import { SCREENS_CSS } from "./styles.ts";
import { summarizeSync } from "./sync-status-view.ts";

/** The agent's own register API, called in-process so the screens see exactly what any client sees. */
export interface RegisterApi {
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

export interface ScreensDeps {
  config: Pick<
    AgentConfig,
    "storeId" | "registerId" | "regions" | "storeToken" | "offlineCardLimits" | "giftCardPrefixes" | "storedValueSealKey"
  >;
  api: RegisterApi;
  ledger: Ledger;
  db: Db;
  /** Puts a dead letter back in the queue (the agent's Outbox.requeueDead), noting which manager did; false when it is not one. */
  retryDeadLetter: (seq: number, managerId: string) => boolean;
  managers: ManagerAuthority;
  /** The processor's window for forwarding offline card approvals (hours); the manager is warned at 75%. */
  forwardingDeadlineHours?: number;
  probes?: RegionProbes;
  defaultCashierId?: string;
  /** The register's credential as it is now (replaced while the agent runs); default config.storeToken. */
  credential?: () => string;
  /** The manager's list of this register's unverified returns with the cloud's status (UnverifiedReturnsBoard). */
  unverifiedReturns?: () => Promise<UnverifiedReturnsView>;
  /**
   * Asks the region about originals this register does not hold (the agent's CloudReturns, the
   * one its returns are recorded with): a sale of another register or store, or an online order,
   * is then found, previewed and returned on the cashier screen. Absent: the local ledger only.
   */
  cloudReturns?: CloudReturns;
  /**
   * The register's offline gift card and store credit exposure (the agent's OfflineStoredValueRisk)
   * and its cap per currency, shown on the manager screen beside the offline card exposure.
   */
  offlineStoredValue?: {
    exposure: () => OfflineStoredValueExposure[];
    limitFor: (currency: string) => { outstanding: number };
    now?: () => number;
  };
}

const CartSchema = z.array(
  z.object({
    sku: z.string().min(1, "sku is required").max(64),
    quantity: z.number().int("quantity must be a whole number").min(1, "quantity must be at least 1").max(999),
  }),
);

/** A gift card sold (activate) or topped up (load) on the sale: the amount typed, the card sealed by /screens/api/gift-card. */
const GiftCardLineSchema = z.object({
  action: z.enum(["activate", "load"]),
  amount: z.object({
    amount: z.number().int().positive("the amount to put on the gift card must be above zero").max(100_000_000),
    currency: z.string().regex(/^[A-Z]{3}$/),
  }),
  giftCard: z.object({ sealed: z.string().min(16).max(1024), last4: z.string().regex(/^\d{4}$/) }),
});
const CheckoutSchema = z.object({
  items: CartSchema.max(200),
  giftCardLines: z.array(GiftCardLineSchema).max(20).default([]),
  tenders: z.array(TenderInputSchema).max(20),
});
const GiftCodeSchema = z.object({ code: z.string().max(64) });
const TerminalSchema = z.object({
  amount: z.object({
    amount: z.number().int().positive("the amount to charge must be above zero"),
    currency: z.string().regex(/^[A-Z]{3}$/),
  }),
  card: z.enum(Object.keys(TEST_CARDS) as [TestCard, ...TestCard[]]),
  entryMode: z.enum(ENTRY_MODES),
});
const ReturnItemsSchema = z
  .array(
    z.object({ transactionId: z.string().min(1).max(64), sku: z.string().min(1).max(64), quantity: z.number().int().positive() }),
  )
  .min(1, "choose at least one item to return")
  .max(200);
// The parts of a receipt's payload (the recorded event's) that the screens read; the rest passes through unread.
const ReceiptTendersSchema = z.looseObject({
  tenders: z.array(z.looseObject({ tenderId: z.string(), type: z.enum(TENDER_TYPES) })).default([]),
});
const ReceiptAllocationSchema = z.looseObject({
  allocation: z
    .array(
      z.looseObject({
        originalTransactionId: z.string(),
        tenderId: z.string(),
        card: z.looseObject({ last4: z.string() }).optional(),
      }),
    )
    .default([]),
});
const ReceiptLinesSchema = z.looseObject({
  lines: z.array(z.looseObject({ sku: z.string(), description: z.string().default("") })).default([]),
});
const ReceiptNumberSchema = z.looseObject({ receiptNumber: z.string().optional() });
const PreviewSchema = z.object({ items: ReturnItemsSchema, exchangeItems: CartSchema.max(200).default([]) });

/**
 * The request's JSON, refused if any field holds a card number (naming the fields, never the
 * digits), then checked against the schema. `checkedByHandler` names top-level fields whose card
 * number check the route makes itself (a gift card code, which may be in the retailer's range).
 */
async function body<T>(c: Context, schema: z.ZodType<T>, checkedByHandler: readonly string[] = []): Promise<T> {
  const raw = await readJson(c);
  const pans = findPanFields(raw).filter((p) => !(p.length === 1 && checkedByHandler.includes(String(p[0]))));
  if (pans.length > 0) {
    throw new ServiceError(
      422,
      "pan_detected",
      `a full card number is not accepted (${pans.map(formatPath).join(", ")}); use the card terminal`,
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw ServiceError.invalid(parsed.error, false);
  return parsed.data;
}

function quote(items: ReadonlyArray<{ sku: string; quantity: number }>) {
  try {
    // One line per sku: scanning an item twice adds to its quantity.
    const merged = new Map<string, number>();
    const canonical = quoteCart(items);
    for (const l of canonical?.lines ?? []) merged.set(l.sku, (merged.get(l.sku) ?? 0) + l.quantity);
    return quoteCart([...merged].map(([sku, quantity]) => ({ sku, quantity })));
  } catch (error) {
    if (error instanceof UnknownItemError) throw new ServiceError(422, "unknown_item", error.message);
    throw error;
  }
}

function settle(total: Money, tenders: readonly TenderInput[]): Settlement {
  const paid = sum(
    tenders.map((t) => (t.type === "cash" && t.tendered ? t.tendered : t.amount)),
    total.currency,
  );
  const remaining = { amount: Math.max(0, total.amount - paid.amount), currency: total.currency };
  if (remaining.amount > 0)
    return { total, paid, remaining, change: { amount: 0, currency: total.currency }, complete: false, problem: null };
  try {
    const settled = settleTenders(total, tenders);
    return { total, paid, remaining, change: settled.change, complete: true, problem: null };
  } catch (error) {
    return {
      total,
      paid,
      remaining,
      change: { amount: 0, currency: total.currency },
      complete: false,
      problem: error instanceof Error ? error.message : String(error),
    };
  }
}

/** A gift card sold or reloaded as a line of its own: one card, no tax, its sealed number for the cloud to activate or load. */
function giftCardLine(g: z.infer<typeof GiftCardLineSchema>): SaleLine {
  const sold = g.action === "activate";
  return {
    sku: sold ? "GIFT-CARD" : "GIFT-RELOAD",
    description: `${sold ? "Gift card" : "Gift card reload"} •••• ${g.giftCard.last4}`,
    quantity: 1,
    unitPrice: g.amount,
    tax: { amount: 0, currency: g.amount.currency },
    storedValue: { action: g.action, last4: g.giftCard.last4, sealed: g.giftCard.sealed },
  };
}

/** Security headers (CSP, nosniff, no referrer, no framing) come from secureHeaders on the agent's app. */
function page(c: Context, html: string) {
  c.header("Cache-Control", "no-store");
  return c.html(`<!doctype html>${html}`);
}

function asset(c: Context, text: string, type: string) {
  c.header("Content-Type", type);
  c.header("Cache-Control", "no-cache");
  return c.body(text);
}

/**
 * The cashier and store-manager screens, served by the agent itself: hono JSX rendered here, a
 * small client script per screen (client/, bundled by client-scripts.ts), one stylesheet, nothing external. Mounted on the agent's app.
 */
export function createScreens(deps: ScreensDeps): Hono {
  const app = new Hono();
  const { config } = deps;
  const probes = deps.probes ?? new RegionProbes(config.regions);
  const exceptions = new RegionExceptions(config.storeId, deps.credential ?? (() => config.storeToken));
  const recent = new RecentEvents(deps.db);
  const drain = new DrainRate();
  const retry = deps.retryDeadLetter;
  const deadlineMs = (deps.forwardingDeadlineHours ?? 24) * 3_600_000;

  /** Calls the register API in-process, addressed like the screen's own request (so the Host check sees the same host). */
  async function apiJson(c: Context, path: string): Promise<{ status: number; body: unknown }> {
    const res = await deps.api.request(new URL(path, c.req.url).href);
    return { status: res.status, body: await res.json() };
  }

  /**
   * A transaction as GET /api/v1/transactions/{ref} answers it (ref: its id or its receipt number),
   * checked against the shared schema; undefined when not found. Any other refusal (a receipt
   * number with a wrong check character: 422 invalid_receipt_number) is passed on as the API said it.
   */
  async function transaction(c: Context, ref: string) {
    const { status, body } = await apiJson(c, `/api/v1/transactions/${encodeURIComponent(ref)}`);
    if (status === 200) return ReceiptViewSchema.parse(body);
    if (status === 404) return undefined;
    const refusal = ErrorBodySchema.safeParse(body);
    if (!refusal.success) throw new ServiceError(502, "bad_answer", `the register API answered ${status} without an error body`);
    throw new ServiceError(status as ErrorStatus, refusal.data.error, refusal.data.message);
  }

  // Parsed once here, at the JSON boundary: from here on the queue and the sync status are typed.
  const queue = async (c: Context): Promise<QueueJson> => QueueStatusSchema.parse((await apiJson(c, "/api/v1/queue")).body);

  /** Online when the sync engine says a region is healthy; without its view, when a probe answers. */
  async function link(q: QueueJson): Promise<{ online: boolean; connectivity: Connectivity }> {
    const sync = summarizeSync(q.sync);
    if (sync.regions) {
      // The engine probes the regions already: no second set of probes from the screens.
      const connectivity: Connectivity = {
        online: sync.regions.some((r) => r.healthy),
        offlineSince: sync.offlineSince ? Date.parse(sync.offlineSince) : null,
        regions: sync.regions.map((r) => ({
          name: r.name,
          url: config.regions.find((c) => c.name === r.name)?.url ?? "",
          reachable: r.healthy,
          lastError: r.lastError,
          latencyMs: r.latencyMs,
          checkedAt: null,
        })),
      };
      return { online: connectivity.online, connectivity };
    }
    const connectivity = await probes.current();
    return { online: connectivity.online, connectivity };
  }

  async function labelsFor(c: Context, transactionIds: Iterable<string>): Promise<Map<string, string>> {
    const labels = new Map<string, string>();
    for (const id of new Set(transactionIds)) {
      const tx = await transaction(c, id);
      if (!tx) continue;
      for (const t of ReceiptTendersSchema.parse(tx.receipt).tenders) labels.set(t.tenderId, tenderLabel(t));
    }
    return labels;
  }

  function managersView(c: Context): ManagersView {
    const signedIn = managerOf(c, deps.managers);
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      configured: deps.managers.configured,
      signedIn: signedIn ? { managerId: signedIn.managerId, name: signedIn.name, expiresAt: iso(signedIn.expiresAt) } : null,
      locked: deps.managers.locks().map((l) => ({ managerId: l.managerId, name: l.name, lockedUntil: iso(l.lockedUntil) })),
    };
  }

  async function managerHtml(c: Context): Promise<string> {
    const q = await queue(c);
    // Read together with the counts, before any await, so one panel never shows two moments.
    const recentRows = recent.read(5);
    const { connectivity } = await link(q);
    const reachable = connectivity.regions.filter((r) => r.reachable).map((r) => ({ name: r.name, url: r.url }));
    const view = buildManagerView({
      storeId: config.storeId,
      registerId: config.registerId,
      queue: q,
      connectivity,
      drainRatePerSec: drain.sample(q.lastSeq, q.counts.pending),
      limitFor: (currency) => offlineCardLimit(config, currency),
      forwardingDeadlineMs: deadlineMs,
      exceptions: await exceptions.read(reachable),
      recent: recentRows,
      managers: managersView(c),
      prunedAsks: prunedAsks(deps.db),
      ...(deps.unverifiedReturns ? { unverifiedReturns: await deps.unverifiedReturns() } : {}),
      ...(deps.offlineStoredValue
        ? {
            offlineStoredValue: {
              exposure: deps.offlineStoredValue.exposure(),
              limitFor: deps.offlineStoredValue.limitFor,
              now: (deps.offlineStoredValue.now ?? Date.now)(),
            },
          }
        : {}),
    });
    return (<ManagerPanel view={view} />).toString();
  }

  app.get("/", (c) => c.redirect("/cashier"));
  // Browsers ask for it on their own; answering keeps the console clean.
  app.get("/favicon.ico", (c) => c.body(null, 204));

  app.get("/cashier", async (c) => {
    const { online } = await link(await queue(c));
    const html = (
      <Page
        title="Tenderline — cashier"
        script="/screens/cashier.js"
        current="cashier"
        storeId={config.storeId}
        registerId={config.registerId}
        status={<LinkPill id="link-state" online={online} />}
      >
        <CashierBody cashierId={deps.defaultCashierId ?? "c-1"} />
      </Page>
    ).toString();
    return page(c, html);
  });

  app.get("/manager", async (c) => {
    // The first paint already holds the panel; the script keeps it live.
    const panel = raw(await managerHtml(c));
    const html = (
      <Page
        title="Tenderline — store manager"
        script="/screens/manager.js"
        current="manager"
        storeId={config.storeId}
        registerId={config.registerId}
      >
        <ManagerAuthBar />
        <div id="panel-host">{panel}</div>
      </Page>
    ).toString();
    return page(c, html);
  });

  app.get("/screens/screens.css", (c) => asset(c, SCREENS_CSS, "text/css; charset=utf-8"));
  // Loaded on first request (prebuilt files, or bundled from client/ in development), then cached.
  app.get("/screens/cashier.js", async (c) => asset(c, (await loadClientScripts()).cashier, "text/javascript; charset=utf-8"));
  app.get("/screens/manager.js", async (c) => asset(c, (await loadClientScripts()).manager, "text/javascript; charset=utf-8"));

  app.post("/screens/api/checkout", async (c) => {
    const input = await body(c, CheckoutSchema);
    const q = quote(input.items);
    const giftLines = input.giftCardLines.map(giftCardLine);
    const lines: SaleLine[] = [...(q?.lines ?? []), ...giftLines];
    const currency = q?.totals.total.currency ?? giftLines[0]?.unitPrice.currency ?? "USD";
    if (lines.some((l) => l.unitPrice.currency !== currency))
      throw new ServiceError(422, "currency_mismatch", `every line of a sale must be in ${currency}`);
    const totals = lines.length > 0 ? computeTotals(lines) : null;
    const settlement = totals ? settle(totals.total, input.tenders) : null;
    return c.json({
      lines,
      currency,
      settlement,
      cartHtml: (<CartView lines={lines} />).toString(),
      totalsHtml: (<TotalsView totals={totals} settlement={settlement} />).toString(),
      tendersHtml: (<TendersView tenders={input.tenders} />).toString(),
    });
  });

  app.post("/screens/api/terminal", async (c) => {
    const input = await body(c, TerminalSchema);
    const { online } = await link(await queue(c));
    const approval = approveOnTerminal({ amount: input.amount, card: input.card, entryMode: input.entryMode, online });
    return c.json({ tender: { type: "card", amount: approval.amount, card: approval.card, offline: approval.offline } });
  });

  /** The typed or scanned code sealed for the regions with its last four; the code itself goes no further. */
  function sealCode(code: string) {
    try {
      return tokenizeGiftCard(code, config.giftCardPrefixes, config.storedValueSealKey);
    } catch (error) {
      if (error instanceof GiftCardCodeError) throw new ServiceError(422, "invalid_gift_card", error.message);
      throw error;
    }
  }

  app.post("/screens/api/gift-card", async (c) => {
    const input = await body(c, GiftCodeSchema, ["code"]);
    return c.json({ giftCard: sealCode(input.code) });
  });

  /**
   * A gift card's balance for the cashier: the code sealed here, the region asked through the
   * register API's inquiry. Offline (503 from the API) the answer says so rather than failing:
   * the balance cannot be checked without a region. Only the last four come back, never the token.
   */
  app.post("/screens/api/gift-card/balance", async (c) => {
    const input = await body(c, GiftCodeSchema, ["code"]);
    const sealed = sealCode(input.code);
    const res = await deps.api.request(new URL("/api/v1/stored-value/inquiry", c.req.url).href, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "gift_card", sealed: sealed.sealed }),
    });
    const answer: unknown = await res.json();
    if (res.status === 503) {
      const message = "The balance cannot be checked offline: no region answers right now. Try again once the link is back.";
      return c.json({
        online: false,
        last4: sealed.last4,
        message,
        html: (<GiftCardBalanceView last4={sealed.last4} balance={null} offlineMessage={message} />).toString(),
      });
    }
    if (res.status !== 200) {
      const refusal = ErrorBodySchema.safeParse(answer);
      if (!refusal.success)
        throw new ServiceError(502, "bad_answer", `the register API answered ${res.status} without an error body`);
      throw new ServiceError(res.status as ErrorStatus, refusal.data.error, refusal.data.message);
    }
    const b = StoredValueBalanceSchema.parse(answer);
    const balance = { status: b.status, balance: b.balance, held: b.held, available: b.available };
    return c.json({
      online: true,
      last4: b.last4,
      ...balance,
      html: (<GiftCardBalanceView last4={b.last4} balance={balance} offlineMessage={null} />).toString(),
    });
  });

  app.get("/screens/api/status", async (c) => {
    const q = await queue(c);
    const { online, connectivity } = await link(q);
    const pendingSales = q.byType
      .filter((t) => t.state === "pending" && t.type === "sale.completed")
      .reduce((s, t) => s + t.count, 0);
    return c.json({
      online,
      offlineSince: connectivity.offlineSince === null ? null : new Date(connectivity.offlineSince).toISOString(),
      pending: q.counts.pending,
      noun: pendingSales === q.counts.pending ? (q.counts.pending === 1 ? "sale" : "sales") : "transactions",
    });
  });

  /** The receipt for a transaction id or a receipt number, with labels for the tenders a return went back to. */
  async function receiptFor(c: Context, ref: string) {
    const tx = await transaction(c, ref.trim());
    if (!tx) throw new ServiceError(404, "transaction_not_found", "no receipt with that number on this register");
    const { allocation } = ReceiptAllocationSchema.parse(tx.receipt);
    const labels = await labelsFor(
      c,
      allocation.map((a) => a.originalTransactionId),
    );
    // An original sold elsewhere is not here to name its card: the slice's own last four does.
    for (const a of allocation) {
      if (a.card && !labels.has(a.tenderId)) labels.set(a.tenderId, `Card •••• ${a.card.last4}`);
    }
    return { tx, labels };
  }

  app.get("/screens/cashier/receipt/:ref", async (c) => {
    const { tx, labels } = await receiptFor(c, c.req.param("ref"));
    const number = ReceiptNumberSchema.parse(tx.receipt).receiptNumber;
    return c.json({
      transactionId: tx.transactionId,
      receiptNumber: number ?? null,
      // With its barcode, so "Print" prints this very receipt (the print stylesheet leaves only it).
      html: (
        <ReceiptView
          tx={tx}
          sync={recent.stateOf(tx.seq)}
          labels={labels}
          barcodeSvg={number ? receiptBarcodeSvg(number) : null}
        />
      ).toString(),
    });
  });

  // The printable receipt: a page of its own, the number in text and as a Code 128 barcode (SVG).
  app.get("/screens/cashier/receipt/:ref/print", async (c) => {
    const { tx, labels } = await receiptFor(c, c.req.param("ref"));
    const number = ReceiptNumberSchema.parse(tx.receipt).receiptNumber;
    const html = (
      <PrintReceiptPage
        tx={tx}
        labels={labels}
        barcodeSvg={number ? receiptBarcodeSvg(number) : null}
        storeId={config.storeId}
        registerId={config.registerId}
      />
    ).toString();
    return page(c, html);
  });

  /**
   * What the cloud said of a return's originals, split as recordReturn splits it, so a preview
   * plans exactly what the recording will: every ref is asked (a unit of this register's own sale
   * may have gone back at another register). Empty when no region is set, answers, or knows any.
   */
  async function cloudFor(refs: readonly string[]): Promise<PreviewCloud> {
    if (!deps.cloudReturns) return {};
    const lookup = await deps.cloudReturns.findOriginals([...new Set(refs)]);
    if (lookup.kind === "offline" || lookup.originals.size === 0) return {};
    return splitCloudOriginals(deps.ledger, lookup.originals);
  }

  /**
   * The original of a return that is not on this register, as the cloud knows it (ref: a checked
   * receipt number, in any case, or a transaction id): the same JSON as a local original, with
   * where it was sold. 404 when no region is set, none answers, or the cloud does not know it.
   */
  async function cloudOriginal(ref: string) {
    const parsed = parseReceiptRef(ref);
    const wanted = parsed.kind === "receiptNumber" ? parsed.receiptNumber : parsed.transactionId;
    const notFound = (why: string) =>
      new ServiceError(
        404,
        "transaction_not_found",
        `no receipt with that number on this register, and no region could find it (${why}); check the number on the receipt`,
      );
    if (!deps.cloudReturns) throw notFound("no region is set up for returns");
    const lookup = await deps.cloudReturns.findOriginals([wanted]);
    if (lookup.kind === "offline") throw notFound("no region answered");
    const original: ReturnOriginal | undefined = lookup.originals.get(wanted);
    if (!original) throw notFound(`region ${lookup.region.name} does not know it`);
    const bySku = new Map<string, ReturnableLine>();
    for (const l of original.lines) {
      const row = bySku.get(l.sku) ?? { sku: l.sku, description: l.description || l.sku, quantity: 0, returnable: 0 };
      row.quantity += l.quantity;
      row.returnable += l.returnable;
      bySku.set(l.sku, row);
    }
    const total = original.lines.length > 0 ? computeTotals(original.lines).total : zero(original.currency);
    return {
      transactionId: original.transactionId,
      receiptNumber: original.receiptNumber,
      html: (
        <ReturnOriginalView
          transactionId={original.transactionId}
          receiptNumber={original.receiptNumber ?? undefined}
          lines={[...bySku.values()]}
          total={total}
          soldElsewhere={{
            storeId: original.storeId,
            registerId: original.registerId,
            channel: original.channel,
            region: lookup.region.name,
          }}
        />
      ).toString(),
    };
  }

  app.get("/screens/cashier/return-original/:ref", async (c) => {
    const id = c.req.param("ref").trim();
    // A mistyped receipt number is refused here (422 invalid_receipt_number), before the cloud is asked.
    const tx = await transaction(c, id);
    if (!tx) return c.json(await cloudOriginal(id));
    if (tx.kind === "return")
      throw new ServiceError(422, "not_returnable", "that receipt is itself a return; scan the original sale's receipt");
    const described = new Map(ReceiptLinesSchema.parse(tx.receipt).lines.map((l) => [l.sku, l.description]));
    const bySku = new Map<string, ReturnableLine>();
    for (const l of tx.lines) {
      const row = bySku.get(l.sku) ?? { sku: l.sku, description: described.get(l.sku) || l.sku, quantity: 0, returnable: 0 };
      row.quantity += l.quantity;
      row.returnable += l.returnable;
      bySku.set(l.sku, row);
    }
    return c.json({
      transactionId: tx.transactionId,
      receiptNumber: ReceiptNumberSchema.parse(tx.receipt).receiptNumber ?? null,
      html: (
        <ReturnOriginalView
          transactionId={tx.transactionId}
          receiptNumber={ReceiptNumberSchema.parse(tx.receipt).receiptNumber}
          lines={[...bySku.values()]}
          total={tx.total}
        />
      ).toString(),
    });
  });

  app.post("/screens/api/return-preview", async (c) => {
    const input = await body(c, PreviewSchema);
    const found = await cloudFor(input.items.map((i) => i.transactionId));
    const labels = await labelsFor(
      c,
      input.items.map((i) => i.transactionId),
    );
    // The cloud's originals are not on this register: their tenders are named from the cloud's masked card.
    for (const [tenderId, label] of cloudTenderLabels(found.cloud?.values() ?? [])) {
      if (!labels.has(tenderId)) labels.set(tenderId, label);
    }
    if (input.exchangeItems.length === 0) {
      const preview = previewReturn(deps.ledger, input.items, found);
      const allocation = preview.allocation.map((a) => ({
        ...a,
        label: labels.get(a.tenderId) ?? tenderLabel({ type: a.tenderType }),
      }));
      return c.json({
        kind: "return",
        net: null,
        // A cloud card's token and processor reference stay with the recording: the screen holds its last four.
        preview: { ...preview, allocation: maskedAllocation(preview.allocation) },
        html: (<ReturnPreviewView preview={{ ...preview, allocation }} />).toString(),
      });
    }
    const lines = quote(input.exchangeItems)?.lines ?? [];
    // An exchange takes this register's own originals only (as recordExchange): the cloud's view of them counts.
    const preview = previewExchange(deps.ledger, input.items, lines, found.cloudView ? { cloudView: found.cloudView } : {});
    const allocation = preview.allocation.map((a) => ({
      ...a,
      label: labels.get(a.tenderId) ?? tenderLabel({ type: a.tenderType }),
    }));
    return c.json({
      kind: "exchange",
      net: preview.net,
      lines,
      preview: { ...preview, allocation: maskedAllocation(preview.allocation) },
      html: (<ExchangePreviewView preview={{ ...preview, allocation }} />).toString(),
    });
  });

  app.get("/screens/manager/panel", async (c) => {
    c.header("Cache-Control", "no-store");
    return c.html(await managerHtml(c));
  });

  // Sending a refused event again overrides the cloud's answer: a manager's call, recorded by id.
  app.post("/screens/api/dead-letters/:seq/retry", requireManager(deps.managers), (c) => {
    const seq = Number(c.req.param("seq"));
    if (!Number.isSafeInteger(seq) || seq < 1) throw new ServiceError(400, "invalid_seq", "seq must be a positive whole number");
    if (!retry(seq, c.get("manager").managerId))
      throw new ServiceError(404, "not_a_dead_letter", `seq ${seq} is not a dead letter (it may have been retried already)`);
    return c.json({ retried: seq });
  });

  return app;
}
