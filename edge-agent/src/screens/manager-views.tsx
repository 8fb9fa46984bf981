/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
// The pragmas keep JSX right whatever tsconfig the runner picks up (tsx applies one only to the files it includes).
import { displayAge, displayMoney, eventTypeLabel } from "./format.ts";
import type { ManagerView } from "./manager-view.ts";

function Stat(props: { label: string; value: string; id: string; tone?: "warn" | "bad" }) {
  return (
    <div class={`stat${props.tone ? ` ${props.tone}` : ""}`}>
      <div class="label">{props.label}</div>
      <div class="value" id={props.id}>
        {props.value}
      </div>
    </div>
  );
}

const clock = (iso: string) => new Date(iso).toLocaleTimeString("en-US", { hour: "2-digit", minute: "2-digit" });

const CLOUD_STATUS_TEXT: Record<string, string> = {
  waiting: "waiting for the original",
  verified: "verified",
  mismatch: "mismatch",
};

/** Returns refunded to store credit without their original: the cloud checks each once it has the original. */
function UnverifiedReturnsSection(props: { returns: ManagerView["unverifiedReturns"] }) {
  const u = props.returns;
  const waiting = u.rows.filter((r) => r.waiting).length;
  return (
    <section class="panel" aria-labelledby="h-unverified" id="unverified-returns" data-waiting={String(waiting)}>
      <h2 id="h-unverified">Unverified returns</h2>
      {u.rows.length === 0 ? (
        <p class="note">None: every return on this register was verified.</p>
      ) : (
        <>
          <p class="note">
            {waiting} waiting for verification.{" "}
            {u.region ? `Cloud status from region ${u.region}.` : `Cloud status not available: ${u.note ?? "no region answers"}.`}
          </p>
          <table>
            <thead>
              <tr>
                <th>Time</th>
                <th>Return</th>
                <th class="num">Store credit</th>
                <th>Approved by</th>
                <th>Cloud</th>
              </tr>
            </thead>
            <tbody>
              {u.rows.map((r) => (
                <tr
                  data-transaction-id={r.transactionId}
                  data-cloud-status={r.cloudStatus ?? "unknown"}
                  data-waiting={String(r.waiting)}
                >
                  <td class="nowrap">{clock(r.occurredAt)}</td>
                  <td class="mono truncate" title={r.transactionId}>
                    {r.transactionId}
                  </td>
                  <td class="num">{displayMoney(r.storeCredit)}</td>
                  <td>{r.approvedBy ?? "—"}</td>
                  <td>
                    <span
                      class={`tag ${r.cloudStatus === "mismatch" ? "dead" : r.cloudStatus === "verified" ? "acked" : "pending"}`}
                    >
                      {r.cloudStatus
                        ? CLOUD_STATUS_TEXT[r.cloudStatus]
                        : r.syncState === "pending"
                          ? "not yet sent"
                          : "not known"}
                    </span>
                    {r.reason ? <span class="note"> {r.reason}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** Who is signed in (the retry, pause and resume buttons need a manager) and who is locked out. */
function ManagersSection(props: { managers: ManagerView["managers"] }) {
  const m = props.managers;
  return (
    <section class="panel" aria-labelledby="h-managers" id="managers" data-signed-in={m.signedIn ? m.signedIn.managerId : ""}>
      <h2 id="h-managers">Manager</h2>
      {!m.configured ? (
        <p class="warnbox">No managers are set up on this register: overrides and manager actions are not possible here.</p>
      ) : m.signedIn ? (
        <p id="manager-signed-in">
          Signed in: <strong>{m.signedIn.name}</strong> ({m.signedIn.managerId}) until {clock(m.signedIn.expiresAt)}
        </p>
      ) : (
        <p class="note" id="manager-signed-in">
          No manager signed in. Retrying a dead letter and pausing or resuming sync need a manager.
        </p>
      )}
      {m.locked.length > 0 ? (
        <ul id="manager-locks">
          {m.locked.map((l) => (
            <li class="badbox" data-manager-id={l.managerId}>
              {l.name} ({l.managerId}) is locked after too many wrong PINs until {clock(l.lockedUntil)}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

const STATE_TEXT: Record<string, string> = { pending: "waiting", acked: "synced", dead: "dead letter" };

/** The manager's live panel; the client script swaps it in every two seconds. */
export function ManagerPanel(props: { view: ManagerView }) {
  const v = props.view;
  const rate =
    v.drainRatePerSec === null
      ? "—"
      : `${v.drainRatePerSec < 10 ? v.drainRatePerSec.toFixed(1) : Math.round(v.drainRatePerSec)}/s`;
  return (
    <div id="panel" data-online={String(v.online)}>
      {v.alert ? (
        <div class="banner alert" role="alert">
          {v.alert}
        </div>
      ) : null}
      {v.online ? null : (
        <div class="banner offline" role="status" id="manager-offline">
          Offline{v.offlineSince ? ` since ${new Date(v.offlineSince).toLocaleTimeString("en-US")}` : ""} — no region answers.{" "}
          <strong id="offline-pending">{v.counts.pending}</strong> events waiting to sync; they go by themselves when a region is
          back.
        </div>
      )}
      <main>
        <div class="stats">
          <Stat
            label="Waiting to sync"
            id="count-pending"
            value={String(v.counts.pending)}
            tone={v.counts.pending > 0 ? "warn" : undefined}
          />
          <Stat label="Synced" id="count-acked" value={String(v.counts.acked)} />
          <Stat label="Dead letters" id="count-dead" value={String(v.counts.dead)} tone={v.counts.dead > 0 ? "bad" : undefined} />
          <Stat label="Oldest waiting" id="oldest-pending" value={displayAge(v.oldestPendingAgeMs)} />
          <Stat label="Drain rate" id="drain-rate" value={rate} />
        </div>
        <div class="grid manager-grid">
          <div>
            <section class="panel" aria-labelledby="h-regions">
              <h2 id="h-regions">Cloud regions</h2>
              <table id="regions">
                <thead>
                  <tr>
                    <th>Region</th>
                    <th>State</th>
                    <th class="num">Latency</th>
                    <th>Last error</th>
                  </tr>
                </thead>
                <tbody>
                  {v.regions.length === 0 ? (
                    <tr>
                      <td colspan={4} class="empty">
                        No regions configured: this register keeps everything locally.
                      </td>
                    </tr>
                  ) : (
                    v.regions.map((r) => (
                      <tr data-region={r.name}>
                        <td class="nowrap">
                          {r.name}
                          {r.active ? <span class="note"> · sending</span> : null}
                        </td>
                        <td>
                          <span class={`tag ${r.healthy ? "acked" : "dead"}`}>{r.state}</span>
                        </td>
                        <td class="num">{r.latencyMs === null ? "—" : `${Math.round(r.latencyMs)} ms`}</td>
                        <td class={`truncate${r.healthy ? " note" : ""}`} title={r.lastError ?? ""}>
                          {r.lastError ? (r.healthy ? `earlier: ${r.lastError}` : r.lastError) : "—"}
                        </td>
                      </tr>
                    ))
                  )}
                </tbody>
              </table>
              <p class="note" id="offline-since">
                {v.online
                  ? "Connected."
                  : `Offline since ${v.offlineSince ? new Date(v.offlineSince).toLocaleString("en-US") : "start-up"}.`}
                {v.syncState ? ` Sync engine: ${v.syncState}.` : " No sync engine is running on this register."}
              </p>
            </section>
            <section class="panel" aria-labelledby="h-queue">
              <h2 id="h-queue">Queue by type</h2>
              <table id="queue-by-type">
                <thead>
                  <tr>
                    <th>Type</th>
                    <th class="num">Waiting</th>
                    <th class="num">Synced</th>
                    <th class="num">Dead</th>
                  </tr>
                </thead>
                <tbody>
                  {v.byType.length === 0 ? (
                    <tr>
                      <td colspan={4} class="empty">
                        Nothing recorded yet.
                      </td>
                    </tr>
                  ) : (
                    v.byType.map((t) => (
                      <tr data-type={t.type}>
                        <td>{eventTypeLabel(t.type)}</td>
                        <td class="num">{t.pending}</td>
                        <td class="num">{t.acked}</td>
                        <td class="num">{t.dead}</td>
                      </tr>
                    ))
                  )}
                </tbody>
              </table>
              <p class="note">
                {v.counts.unreplicated > 0 ? `${v.counts.unreplicated} synced events not yet confirmed in every region. ` : ""}
                Gaps the cloud reports:{" "}
                <span id="cloud-gaps">
                  {v.cloudGaps.length === 0 ? "none" : v.cloudGaps.map((g) => `${g.region} seq ${g.from}–${g.to}`).join(", ")}
                </span>
              </p>
            </section>
            <section class="panel" aria-labelledby="h-exceptions">
              <h2 id="h-exceptions">Reconciliation exceptions</h2>
              {v.exceptions.available ? (
                v.exceptions.items.length === 0 ? (
                  <p class="note" id="exceptions">
                    None reported by region {v.exceptions.region}.
                  </p>
                ) : (
                  <table id="exceptions">
                    <tbody>
                      {v.exceptions.items.slice(0, 8).map((x) => (
                        <tr>
                          <td>
                            <span class="tag dead">{x.kind}</span>
                          </td>
                          <td class="truncate" title={x.detail}>
                            {x.detail}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )
              ) : (
                <p class="note" id="exceptions">
                  Not available: {v.exceptions.note}.
                </p>
              )}
            </section>
          </div>
          <div>
            <section class="panel" aria-labelledby="h-cards">
              <h2 id="h-cards">Offline card approvals</h2>
              {v.offlineCards.length === 0 ? (
                <p class="note" id="offline-cards">
                  None outstanding: every card approval has reached the cloud.
                </p>
              ) : (
                v.offlineCards.map((c) => (
                  <div id="offline-cards" data-currency={c.currency}>
                    <p>
                      <strong>{displayMoney({ amount: c.outstanding, currency: c.currency })}</strong> of{" "}
                      {displayMoney({ amount: c.limit, currency: c.currency })} limit · {c.count} card
                      {c.count === 1 ? "" : "s"} · oldest {displayAge(c.oldestAgeMs)}
                    </p>
                    <meter min={0} max={c.limit} high={c.limit * 0.75} optimum={0} value={c.outstanding}>
                      {Math.round((c.outstanding / Math.max(1, c.limit)) * 100)}%
                    </meter>
                    {c.level === "over" ? (
                      <p class="badbox" role="alert">
                        The oldest offline card approval is past the processor's {displayAge(c.deadlineMs)} forwarding window: the
                        processor may decline it. Restore the link now.
                      </p>
                    ) : c.level === "near" ? (
                      <p class="warnbox" role="alert">
                        The oldest offline card approval nears the processor's {displayAge(c.deadlineMs)} forwarding deadline (
                        {displayAge(Math.max(0, c.deadlineMs - (c.oldestAgeMs ?? 0)))} left). Restore the link soon.
                      </p>
                    ) : null}
                    {c.nearLimit ? (
                      <p class="warnbox">
                        Close to the offline card limit: further card sales need another tender or an override.
                      </p>
                    ) : null}
                  </div>
                ))
              )}
            </section>
            <section class="panel" aria-labelledby="h-stored-value">
              <h2 id="h-stored-value">Offline gift card and store credit payments</h2>
              {v.offlineStoredValue.length === 0 ? (
                <p class="note" id="offline-stored-value">
                  None outstanding: every gift card and store credit payment has reached the cloud.
                </p>
              ) : (
                v.offlineStoredValue.map((s) => (
                  <div id="offline-stored-value" data-currency={s.currency}>
                    <p>
                      <strong>{displayMoney({ amount: s.outstanding, currency: s.currency })}</strong> of{" "}
                      {displayMoney({ amount: s.limit, currency: s.currency })} limit · {s.count} redemption
                      {s.count === 1 ? "" : "s"} waiting for a region · oldest {displayAge(s.oldestAgeMs)}
                    </p>
                    <meter min={0} max={s.limit} high={s.limit * 0.75} optimum={0} value={s.outstanding}>
                      {Math.round((s.outstanding / Math.max(1, s.limit)) * 100)}%
                    </meter>
                    {s.nearLimit ? (
                      <p class="warnbox">
                        Close to the offline gift card and store credit limit: further redemptions need another tender or a
                        manager's approval.
                      </p>
                    ) : null}
                  </div>
                ))
              )}
            </section>
            <ManagersSection managers={v.managers} />
            <UnverifiedReturnsSection returns={v.unverifiedReturns} />
            <section class="panel" aria-labelledby="h-dead">
              <h2 id="h-dead">Dead letters</h2>
              {v.deadLetters.length === 0 ? (
                <p class="note" id="dead-letters">
                  None. Every event the cloud saw was accepted.
                </p>
              ) : (
                <table id="dead-letters">
                  <thead>
                    <tr>
                      <th class="num">Seq</th>
                      <th>Type</th>
                      <th>Reason</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {v.deadLetters.map((d) => (
                      <tr data-seq={String(d.seq)}>
                        <td class="num">#{d.seq}</td>
                        <td>{eventTypeLabel(d.type)}</td>
                        <td class="dead-reason">{d.reason}</td>
                        <td>
                          <button type="button" data-retry-seq={String(d.seq)}>
                            Retry
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {v.prunedAsks.length > 0 ? (
                <div id="pruned-asks">
                  {v.prunedAsks.map((p) => (
                    <p class="warnbox" role="alert" data-region={p.region} data-from={String(p.from)} data-to={String(p.to)}>
                      {clock(p.at)} · {p.message}
                    </p>
                  ))}
                </div>
              ) : null}
              {v.syncAlerts.length > 0 ? (
                <ul class="note" id="sync-alerts">
                  {v.syncAlerts.map((a) => (
                    <li>
                      {new Date(a.at).toLocaleTimeString("en-US")} · {a.kind.replace("_", " ")} · seq {a.seq}: {a.reason}
                    </li>
                  ))}
                </ul>
              ) : null}
              <p class="error" id="retry-error" role="alert" />
            </section>
            <section class="panel" aria-labelledby="h-recent">
              <h2 id="h-recent">Recent activity</h2>
              <table id="recent">
                <tbody>
                  {v.recent.length === 0 ? (
                    <tr>
                      <td class="empty">No transactions yet.</td>
                    </tr>
                  ) : (
                    v.recent.map((e) => (
                      <tr data-seq={String(e.seq)} data-transaction-id={e.transactionId ?? ""} data-state={e.state}>
                        <td class="num">#{e.seq}</td>
                        <td>{eventTypeLabel(e.type)}</td>
                        <td class="mono truncate">{e.transactionId ?? ""}</td>
                        <td>
                          <span class={`tag ${e.state}`}>{STATE_TEXT[e.state] ?? e.state}</span>
                          {e.state === "acked" && e.ackedRegion ? <span class="note"> by {e.ackedRegion}</span> : null}
                        </td>
                      </tr>
                    ))
                  )}
                </tbody>
              </table>
            </section>
          </div>
        </div>
      </main>
    </div>
  );
}

/**
 * The manager's sign-in and controls, outside the live panel so the panel's refresh never wipes a
 * PIN being typed. The client script shows the form or the controls from the panel's
 * `data-signed-in`.
 */
export function ManagerAuthBar() {
  return (
    <section class="panel manager-auth" aria-label="Manager sign-in" id="manager-auth">
      <strong>Manager</strong>
      <form id="manager-signin" autocomplete="off">
        <label>
          Manager id
          <input id="signin-manager" autocomplete="off" />
        </label>
        <label>
          PIN
          <input id="signin-pin" type="password" inputmode="numeric" autocomplete="off" />
        </label>
        <button type="submit">Sign in</button>
      </form>
      <div id="manager-controls" hidden>
        <button type="button" id="sync-pause">
          Pause sync
        </button>
        <button type="button" id="sync-resume">
          Resume sync
        </button>
        <button type="button" id="manager-signout">
          Sign out
        </button>
        <form id="void-card" class="row" autocomplete="off">
          <label>
            Void a lost or stolen card
            <select id="void-kind">
              <option value="gift_card">Gift card</option>
              <option value="store_credit">Store credit</option>
            </select>
          </label>
          <label class="grow">
            Card number (scan or type)
            <input id="void-number" inputmode="numeric" />
          </label>
          <label class="grow">
            Why
            <input id="void-reason" value="reported lost" />
          </label>
          <button type="submit">Void its balance</button>
        </form>
        <p class="note" id="void-result" role="status" />
      </div>
      <p class="error" id="manager-error" role="alert" />
    </section>
  );
}
