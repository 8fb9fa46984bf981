/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
// The pragmas keep JSX right whatever tsconfig the runner picks up (tsx applies one only to the files it includes).
import type { Money, SaleLine, Tender, TenderInput, Totals } from "@tenderline/shared";
import { raw } from "hono/html";
import { ENTRY_MODES, TEST_CARDS } from "./card-terminal.ts";
import { CATALOGUE } from "./catalogue.ts";
import { displayMoney } from "./format.ts";
import type { ExchangePreview, ReturnPreview } from "./return-preview.ts";
import { tenderLabel } from "./return-preview.ts";

/** The cashier screen's static parts; the client script fills the dynamic ones from the fragments below. */
export function CashierBody(props: { cashierId: string }) {
  return (
    <>
      <div id="offline-banner" class="banner offline" role="status" hidden>
        Offline — sales are saved on this register and sync by themselves when the link is back.{" "}
        <strong id="offline-pending">0</strong> <span id="offline-pending-noun">sales</span> waiting to sync.
      </div>
      <main>
        <div class="row">
          <button type="button" id="mode-sale" class="mode-button" aria-pressed="true">
            Sale <span class="key">F2</span>
          </button>
          <button type="button" id="mode-return" class="mode-button" aria-pressed="false">
            Return / exchange <span class="key">F3</span>
          </button>
          <span class="spacer grow" />
          <label>
            Cashier
            <input id="cashier-id" value={props.cashierId} size={8} autocomplete="off" />
          </label>
        </div>

        <section id="sale-mode" class="grid cashier-grid" aria-label="Sale">
          <div>
            <div class="panel">
              <form id="scan-form" class="row scan" autocomplete="off">
                <label class="grow">
                  Scan or key an item (SKU or barcode), then Enter
                  <input id="scan" name="scan" autofocus />
                </label>
                <label>
                  Qty
                  <input id="qty" name="qty" type="number" min="1" max="999" value="1" size={4} />
                </label>
                <button type="submit">Add</button>
              </form>
              <datalist id="catalogue">
                {CATALOGUE.map((i) => (
                  <option value={i.sku}>{i.description}</option>
                ))}
              </datalist>
              <p id="scan-error" class="error" role="alert" />
            </div>
            <div class="panel" id="cart">
              <p class="empty">No items yet. Scan an item to start a sale.</p>
            </div>
            <section class="panel" aria-labelledby="h-gift-cards">
              <h2 id="h-gift-cards">
                Gift cards <span class="key">F10</span>
              </h2>
              <form id="gift-form" autocomplete="off">
                <div class="row">
                  <label>
                    Action
                    <select id="gift-action">
                      <option value="balance">Gift card balance</option>
                      <option value="activate">Sell a new gift card</option>
                      <option value="load">Reload a gift card</option>
                    </select>
                  </label>
                  <label data-gift-amount hidden>
                    Amount to put on the card
                    <input id="gift-line-amount" inputmode="decimal" placeholder="0.00" size={8} />
                  </label>
                  <label class="grow">
                    Scan or key the gift card, then Enter
                    <input id="gift-line-code" placeholder="scan the gift card" />
                  </label>
                  <button type="submit" id="gift-submit">
                    Check balance
                  </button>
                </div>
              </form>
              <p id="gift-error" class="error" role="alert" />
              <div id="gift-balance" aria-live="polite" />
            </section>
          </div>
          <div>
            <div class="panel" id="checkout-totals" />
            <div class="panel">
              <h2>Payment</h2>
              <div class="tender-tabs">
                <button type="button" data-tender="card" aria-pressed="true">
                  Card <span class="key">F7</span>
                </button>
                <button type="button" data-tender="cash" aria-pressed="false">
                  Cash <span class="key">F8</span>
                </button>
                <button type="button" data-tender="gift_card" aria-pressed="false">
                  Gift card <span class="key">F9</span>
                </button>
              </div>
              <form id="tender-form" autocomplete="off">
                <div class="row">
                  <label class="grow">
                    <span id="tender-amount-label">Amount to charge</span>
                    <input id="tender-amount" inputmode="decimal" placeholder="0.00" />
                  </label>
                </div>
                <div class="row" data-for="card">
                  <label class="grow">
                    Card presented
                    <select id="card-choice">
                      {Object.entries(TEST_CARDS).map(([key, c]) => (
                        <option value={key}>
                          {c.brand} •••• {c.last4}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label>
                    Entry
                    <select id="entry-mode">
                      {ENTRY_MODES.map((m) => (
                        <option value={m}>{m}</option>
                      ))}
                    </select>
                  </label>
                </div>
                <div class="row" data-for="gift_card" hidden>
                  <label class="grow">
                    Gift card code
                    <input id="gift-code" placeholder="scan the gift card" />
                  </label>
                </div>
                <div class="row">
                  <button type="submit" id="add-tender" class="grow">
                    Charge card
                  </button>
                </div>
              </form>
              <p id="tender-error" class="error" role="alert" />
              <div id="tenders" />
            </div>
            <button type="button" id="complete-sale" class="primary big" disabled>
              Complete sale
            </button>
            <p id="sale-error" class="error" role="alert" />
            <form id="override-row" class="panel" autocomplete="off" hidden>
              <p class="note">A manager approves this: they sign in here, the sale completes, and they are signed out.</p>
              <div class="row">
                <label>
                  Manager id
                  <input id="override-manager" autocomplete="off" />
                </label>
                <label class="grow">
                  PIN (then Enter)
                  <input id="override-pin" type="password" inputmode="numeric" autocomplete="off" />
                </label>
                <button type="submit">Approve and complete</button>
              </div>
            </form>
          </div>
        </section>

        <section id="receipt-mode" hidden aria-label="Receipt">
          <div class="panel receipt" id="receipt" />
          <p class="row">
            <button type="button" id="print-receipt" class="grow">
              Print receipt <span class="key">F4</span>
            </button>
          </p>
          <p class="row">
            <button type="button" id="new-sale" class="primary big">
              New sale (Enter)
            </button>
          </p>
        </section>

        <section id="return-mode" class="grid cashier-grid" hidden aria-label="Return or exchange">
          <div>
            <div class="panel">
              <form id="lookup-form" class="row scan" autocomplete="off">
                <label class="grow">
                  Scan or type the receipt number (or the transaction id), then Enter
                  <input id="lookup" name="lookup" autocomplete="off" autocapitalize="characters" spellcheck={false} />
                </label>
                <button type="submit">Find receipt</button>
              </form>
              <p id="lookup-error" class="error" role="alert" />
            </div>
            <div class="panel" id="return-original">
              <p class="empty">Find the original receipt to choose what comes back.</p>
            </div>
            <div class="panel">
              <h2>Exchange for (optional)</h2>
              <form id="exchange-scan-form" class="row" autocomplete="off">
                <label class="grow">
                  Scan a new item
                  <input id="exchange-scan" list="catalogue" />
                </label>
                <button type="submit">Add</button>
              </form>
              <p id="exchange-error" class="error" role="alert" />
              <ul id="exchange-items" />
            </div>
          </div>
          <div>
            <div class="panel">
              <label>
                Reason
                <input id="return-reason" value="customer return" />
              </label>
              <label>
                Refund to
                <select id="refund-to">
                  <option value="original">Original payment</option>
                  <option value="store_credit">Store credit (number printed on the receipt)</option>
                </select>
              </label>
              <p class="row">
                <button type="button" id="preview-return" class="grow">
                  Show refund
                </button>
              </p>
            </div>
            <div class="panel" id="return-preview">
              <p class="empty">The refund and where it goes back show here before you confirm.</p>
            </div>
            <div class="panel" id="exchange-pay" hidden>
              <label>
                Customer pays the difference by
                <select id="exchange-pay-by">
                  <option value="card">Card (terminal)</option>
                  <option value="cash">Cash</option>
                </select>
              </label>
            </div>
            <button type="button" id="confirm-return" class="primary big" disabled>
              Confirm
            </button>
            <p id="return-error" class="error" role="alert" />
          </div>
        </section>
      </main>
    </>
  );
}

export interface Settlement {
  total: Money;
  paid: Money;
  remaining: Money;
  change: Money;
  complete: boolean;
  problem: string | null;
}

/** A gift card's balance as the region answered it, or why it cannot be checked (offline). */
export function GiftCardBalanceView(props: {
  last4: string;
  balance: { status: string; balance: Money; held: Money; available: Money } | null;
  offlineMessage: string | null;
}) {
  if (!props.balance)
    return (
      <p class="warnbox" data-gift-balance="offline">
        Gift card •••• {props.last4}: {props.offlineMessage}
      </p>
    );
  const b = props.balance;
  return (
    <div data-gift-balance={b.status}>
      <p>
        Gift card •••• {props.last4}
        {b.status === "active" ? "" : b.status === "not_issued" ? " (not activated yet)" : " (void)"}
      </p>
      <p>
        Balance <strong>{displayMoney(b.balance)}</strong> · available <strong>{displayMoney(b.available)}</strong>
        {b.held.amount > 0 ? ` · ${displayMoney(b.held)} held` : ""}
      </p>
    </div>
  );
}

export function CartView(props: { lines: SaleLine[] }) {
  if (props.lines.length === 0) return <p class="empty">No items yet. Scan an item to start a sale.</p>;
  return (
    <table aria-label="Items">
      <thead>
        <tr>
          <th>Item</th>
          <th class="num">Qty</th>
          <th class="num">Price</th>
          <th class="num">Tax</th>
          <th class="num">Line total</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {props.lines.map((l, i) => (
          <tr data-sku={l.sku}>
            <td>
              {l.description}
              <div class="note mono">{l.sku}</div>
            </td>
            <td class="num">
              <button type="button" class="link" data-qty-step="-1" data-index={String(i)} aria-label={`one fewer ${l.sku}`}>
                −
              </button>
              <span class="qty">{l.quantity}</span>
              <button type="button" class="link" data-qty-step="1" data-index={String(i)} aria-label={`one more ${l.sku}`}>
                +
              </button>
            </td>
            <td class="num">{displayMoney(l.unitPrice)}</td>
            <td class="num">{displayMoney(l.tax)}</td>
            <td class="num">
              {displayMoney({ amount: l.unitPrice.amount * l.quantity + l.tax.amount, currency: l.unitPrice.currency })}
            </td>
            <td>
              <button type="button" class="link" data-remove-line={String(i)} aria-label={`remove ${l.sku}`}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function TotalsView(props: { totals: Totals | null; settlement: Settlement | null }) {
  const t = props.totals;
  const s = props.settlement;
  return (
    <div class="totals" id="totals">
      <div>
        <span>Subtotal</span>
        <span>{t ? displayMoney(t.subtotal) : "—"}</span>
      </div>
      <div>
        <span>Tax</span>
        <span>{t ? displayMoney(t.tax) : "—"}</span>
      </div>
      <div class="grand">
        <span>Total</span>
        <span id="total">{t ? displayMoney(t.total) : "—"}</span>
      </div>
      {s && s.paid.amount > 0 ? (
        <div>
          <span>Paid</span>
          <span>{displayMoney(s.paid)}</span>
        </div>
      ) : null}
      {s && s.remaining.amount > 0 ? (
        <div class="due">
          <span>Due</span>
          <span id="amount-due">{displayMoney(s.remaining)}</span>
        </div>
      ) : null}
      {s && s.change.amount > 0 ? (
        <div class="change">
          <span>Change due</span>
          <span id="change-due">{displayMoney(s.change)}</span>
        </div>
      ) : null}
      {s?.problem ? <p class="error">{s.problem}</p> : null}
    </div>
  );
}

function tenderInputLabel(t: TenderInput): string {
  return tenderLabel(t as unknown as Tender);
}

export function TendersView(props: { tenders: TenderInput[] }) {
  if (props.tenders.length === 0) return <p class="note">No payment yet.</p>;
  return (
    <table aria-label="Tenders">
      <tbody>
        {props.tenders.map((t, i) => (
          <tr data-tender-type={t.type}>
            <td>
              {tenderInputLabel(t)}
              {t.type === "card" && t.card.authCode === null ? <span class="tag pending"> approved offline</span> : null}
              {t.type === "cash" && t.tendered ? <span class="note"> handed {displayMoney(t.tendered)}</span> : null}
            </td>
            <td class="num">{displayMoney(t.amount)}</td>
            <td>
              <button type="button" class="link" data-remove-tender={String(i)} aria-label={`remove ${tenderInputLabel(t)}`}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export type SyncState = "pending" | "acked" | "dead" | "unknown";

export function SyncTag(props: { state: SyncState }) {
  const text = { pending: "waiting to sync", acked: "synced", dead: "rejected by the cloud", unknown: "sync state unknown" }[
    props.state
  ];
  return <span class={`tag ${props.state}`}>{text}</span>;
}

interface ReceiptPayload {
  receiptNumber?: string;
  lines?: SaleLine[];
  totals?: Totals;
  tenders?: Tender[];
  change?: Money;
  refund?: Money;
  net?: Money;
  reason?: string;
  cashierId?: string;
  allocation?: Array<{ originalTransactionId: string; tenderId: string; tenderType: string; amount: Money }>;
  returned?: { value: Money };
  items?: Array<{ originalTransactionId: string; sku: string; quantity: number; refund: Money }>;
}

export interface ReceiptData {
  transactionId: string;
  kind: string;
  seq: number;
  occurredAt: string;
  total: Money;
  receipt: unknown;
  tenders: Array<{ tenderId: string; refunded: Money }>;
}

/** A printed-style receipt for a sale, return or exchange. Cards show brand and last four only. */
export function ReceiptView(props: {
  tx: ReceiptData;
  sync: SyncState;
  labels: Map<string, string>;
  /** The receipt number's Code 128 barcode (SVG, drawn by the agent), printed with the receipt. */
  barcodeSvg?: string | null;
  /** The print view: no screen-only parts (the sync state). */
  print?: boolean;
}) {
  const tx = props.tx;
  const r = (tx.receipt ?? {}) as ReceiptPayload;
  const title = tx.kind === "return" ? "Return receipt" : tx.kind === "exchange" ? "Exchange receipt" : "Sale receipt";
  const number = r.receiptNumber;
  return (
    <div data-kind={tx.kind} data-transaction-id={tx.transactionId} data-receipt-number={number ?? ""}>
      <h2>{title}</h2>
      {props.barcodeSvg ? <div class="barcode-box">{raw(props.barcodeSvg)}</div> : null}
      <p>
        {number ? (
          <>
            Receipt number{" "}
            <strong class="receipt-number" id="receipt-number">
              {number}
            </strong>
            <br />
            <span class="note">
              Transaction{" "}
              <span class="id" id="receipt-id">
                {tx.transactionId}
              </span>
            </span>
          </>
        ) : (
          <>
            Receipt number{" "}
            <span class="id" id="receipt-id">
              {tx.transactionId}
            </span>
          </>
        )}
        <br />
        <span class="note">
          {new Date(tx.occurredAt).toLocaleString("en-US")} · seq {tx.seq} · cashier {r.cashierId ?? "—"}
        </span>{" "}
        {props.print ? null : (
          <span id="receipt-sync">
            <SyncTag state={props.sync} />
          </span>
        )}
      </p>
      {r.items && r.items.length > 0 ? (
        <table aria-label="Returned items">
          <thead>
            <tr>
              <th>Returned</th>
              <th class="num">Qty</th>
              <th class="num">Refund</th>
            </tr>
          </thead>
          <tbody>
            {r.items.map((i) => (
              <tr>
                <td class="mono">{i.sku}</td>
                <td class="num">{i.quantity}</td>
                <td class="num">{displayMoney(i.refund)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {r.lines && r.lines.length > 0 ? (
        <table aria-label="Items sold">
          <thead>
            <tr>
              <th>Item</th>
              <th class="num">Qty</th>
              <th class="num">Tax</th>
              <th class="num">Amount</th>
            </tr>
          </thead>
          <tbody>
            {r.lines.map((l) => (
              <tr>
                <td>{l.description || l.sku}</td>
                <td class="num">{l.quantity}</td>
                <td class="num">{displayMoney(l.tax)}</td>
                <td class="num">{displayMoney({ amount: l.unitPrice.amount * l.quantity, currency: l.unitPrice.currency })}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <div class="totals">
        {r.totals ? (
          <>
            <div>
              <span>Subtotal</span>
              <span>{displayMoney(r.totals.subtotal)}</span>
            </div>
            <div>
              <span>Tax</span>
              <span>{displayMoney(r.totals.tax)}</span>
            </div>
            <div class="grand">
              <span>Total</span>
              <span>{displayMoney(r.totals.total)}</span>
            </div>
          </>
        ) : null}
        {r.returned ? (
          <div>
            <span>Returned value</span>
            <span>{displayMoney(r.returned.value)}</span>
          </div>
        ) : null}
        {r.refund ? (
          <div class="grand">
            <span>Refund</span>
            <span id="receipt-refund">{displayMoney(r.refund)}</span>
          </div>
        ) : null}
        {r.net ? (
          <div class="due">
            <span>{r.net.amount >= 0 ? "Customer paid" : "Refunded"}</span>
            <span>{displayMoney({ ...r.net, amount: Math.abs(r.net.amount) })}</span>
          </div>
        ) : null}
      </div>
      {r.tenders && r.tenders.length > 0 ? (
        <table aria-label="Paid with">
          <tbody>
            {r.tenders.map((t) => (
              <tr>
                <td>
                  {tenderLabel(t)}
                  {t.type === "card" && t.card.authCode === null ? <span class="tag pending"> approved offline</span> : null}
                  {t.type === "card" && t.card.authCode ? <span class="note"> auth {t.card.authCode}</span> : null}
                </td>
                <td class="num">{displayMoney(t.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {r.change && r.change.amount > 0 ? (
        <div class="totals">
          <div class="change">
            <span>Change given</span>
            <span>{displayMoney(r.change)}</span>
          </div>
        </div>
      ) : null}
      {r.allocation && r.allocation.length > 0 ? <AllocationTable allocation={r.allocation} labels={props.labels} /> : null}
    </div>
  );
}

export function AllocationTable(props: {
  allocation: Array<{ tenderId: string; tenderType: string; amount: Money; label?: string }>;
  labels?: Map<string, string>;
}) {
  return (
    <table aria-label="Refund goes back to" id="allocation">
      <thead>
        <tr>
          <th>Refund goes back to</th>
          <th class="num">Amount</th>
        </tr>
      </thead>
      <tbody>
        {props.allocation.map((a) => (
          <tr data-tender-type={a.tenderType}>
            <td>{a.label ?? props.labels?.get(a.tenderId) ?? tenderLabel({ type: a.tenderType as Tender["type"] })}</td>
            <td class="num">{displayMoney(a.amount)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface ReturnableLine {
  sku: string;
  description: string;
  quantity: number;
  returnable: number;
}

/** Where an original this register does not hold was sold, as the cloud knows it. */
export interface SoldElsewhere {
  storeId: string;
  registerId: string;
  /** Set for an online order: the channel that took it. */
  channel: string | null;
  /** The region that found it. */
  region: string;
}

/** "Sold at store S1, register S1-R1" or "Online order (web)". */
export function soldAt(where: Pick<SoldElsewhere, "storeId" | "registerId" | "channel">): string {
  return where.channel ? `Online order (${where.channel})` : `Sold at store ${where.storeId}, register ${where.registerId}`;
}

/** The original receipt in return mode: how many of each item can still come back, with a quantity field each. */
export function ReturnOriginalView(props: {
  transactionId: string;
  receiptNumber?: string | undefined;
  lines: ReturnableLine[];
  total: Money;
  /** Set for an original sold at another register or store, or online: where, and which region verified it. */
  soldElsewhere?: SoldElsewhere | undefined;
}) {
  const elsewhere = props.soldElsewhere;
  return (
    <div
      data-transaction-id={props.transactionId}
      data-receipt-number={props.receiptNumber ?? ""}
      data-verified-by={elsewhere ? "cloud" : "register"}
    >
      <h2>Original receipt</h2>
      <p class="mono">
        {props.receiptNumber ? `${props.receiptNumber} · ` : ""}
        {props.transactionId} · total {displayMoney(props.total)}
      </p>
      {elsewhere ? (
        <p class="note" id="sold-elsewhere">
          {soldAt(elsewhere)} — not on this register; verified by the cloud (region {elsewhere.region}).
        </p>
      ) : null}
      <table aria-label="Items on the original receipt">
        <thead>
          <tr>
            <th>Item</th>
            <th class="num">Bought</th>
            <th class="num">Returnable</th>
            <th class="num">Return</th>
          </tr>
        </thead>
        <tbody>
          {props.lines.map((l) => (
            <tr>
              <td>
                {l.description}
                <div class="note mono">{l.sku}</div>
              </td>
              <td class="num">{l.quantity}</td>
              <td class="num">{l.returnable}</td>
              <td class="num">
                <input
                  type="number"
                  min="0"
                  max={String(l.returnable)}
                  value="0"
                  size={3}
                  data-return-sku={l.sku}
                  data-transaction-id={props.transactionId}
                  aria-label={`return quantity of ${l.sku}`}
                  disabled={l.returnable === 0}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ReturnPreviewView(props: { preview: ReturnPreview }) {
  const p = props.preview;
  return (
    <div id="preview" data-kind="return">
      <h2>Refund before you confirm</h2>
      <div class="totals">
        <div class="grand">
          <span>Refund</span>
          <span id="preview-refund">{displayMoney(p.refund)}</span>
        </div>
      </div>
      <AllocationTable allocation={p.allocation} />
    </div>
  );
}

export function ExchangePreviewView(props: { preview: ExchangePreview }) {
  const p = props.preview;
  return (
    <div id="preview" data-kind="exchange">
      <h2>Exchange before you confirm</h2>
      <div class="totals">
        <div>
          <span>Returned value</span>
          <span>{displayMoney(p.returnedValue)}</span>
        </div>
        <div>
          <span>New items</span>
          <span>{displayMoney(p.newTotal)}</span>
        </div>
        <div class="grand">
          <span>{p.net.amount > 0 ? "Customer pays" : "Refund"}</span>
          <span id="preview-net">{displayMoney({ ...p.net, amount: Math.abs(p.net.amount) })}</span>
        </div>
      </div>
      {p.allocation.length > 0 ? <AllocationTable allocation={p.allocation} /> : null}
    </div>
  );
}

/**
 * The printable receipt: a page of its own (no screen chrome, no script) with the receipt, its
 * number in text and as a Code 128 barcode, for a reprint from any browser at the register. The
 * cashier's "Print" prints the receipt on screen (same content, the print stylesheet leaves only it).
 */
export function PrintReceiptPage(props: {
  tx: ReceiptData;
  labels: Map<string, string>;
  barcodeSvg: string | null;
  storeId: string;
  registerId: string;
}) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Receipt {((props.tx.receipt ?? {}) as ReceiptPayload).receiptNumber ?? props.tx.transactionId}</title>
        <link rel="stylesheet" href="/screens/screens.css" />
      </head>
      <body class="print-page">
        <main class="receipt print-receipt" id="receipt">
          <p class="store-line">
            Tenderline · Store {props.storeId} · Register {props.registerId}
          </p>
          <ReceiptView tx={props.tx} sync="unknown" labels={props.labels} barcodeSvg={props.barcodeSvg} print />
          <p class="note">Keep this receipt: scan or type its number to return an item.</p>
        </main>
      </body>
    </html>
  );
}
