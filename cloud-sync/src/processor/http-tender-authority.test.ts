import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  AuthorityInvalidRequestError,
  AuthorityTimeoutError,
  AuthorityUnavailableError,
  TenderAuthorityError,
} from "./authority-errors.ts";
import { autoApprovedSettlement } from "./auto-approve.ts";
import { HttpTenderAuthority } from "./http-tender-authority.ts";
import { type SimulatorProcess, startSimulatorProcess } from "./simulator-process.ts";
import type { TenderLookup } from "./tender-authority.ts";

const usd = (amount: number) => ({ amount, currency: "USD" });
const tender = (terminalTxnId: string, amount = 3000): TenderLookup => ({
  terminalTxnId,
  expected: usd(amount),
  token: "tok_9f2c",
  last4: "4242",
});

const started: SimulatorProcess[] = [];
async function start(options: Parameters<typeof startSimulatorProcess>[0] = {}): Promise<SimulatorProcess> {
  const p = await startSimulatorProcess(options);
  started.push(p);
  return p;
}
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
});

async function call(sim: SimulatorProcess, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

async function health(sim: SimulatorProcess): Promise<{ lookupRequests: number; hanging: number; records: number }> {
  return (await call(sim, "GET", "/v1/health")) as { lookupRequests: number; hanging: number; records: number };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

describe("HttpTenderAuthority against the simulator process", () => {
  let sim: SimulatorProcess;

  beforeAll(async () => {
    sim = await start();
    await call(sim, "POST", "/v1/settlements", {
      records: [
        { terminalTxnId: "T-match", amount: usd(3000), authCode: "AUTH01", processorRef: "REF-01" },
        { terminalTxnId: "T-mismatch", amount: usd(2500), authCode: "AUTH02", processorRef: "REF-02" },
        { terminalTxnId: "T-declined", amount: usd(3000), status: "declined", declineReason: "insufficient_funds" },
        { terminalTxnId: "T-slow", amount: usd(3000), authCode: "AUTH03", processorRef: "REF-03" },
        { terminalTxnId: "T-flaky", amount: usd(3000), authCode: "AUTH04", processorRef: "REF-04" },
      ],
    });
  });

  it("looks up matched, amount mismatch, declined and not found in one request, in input order", async () => {
    const authority = new HttpTenderAuthority({ baseUrl: sim.url });
    const before = (await health(sim)).lookupRequests;
    const results = await authority.lookup([tender("T-none"), tender("T-declined"), tender("T-mismatch"), tender("T-match")]);
    expect(results).toEqual([
      { terminalTxnId: "T-none", outcome: "not_found" },
      { terminalTxnId: "T-declined", outcome: "declined", reason: "insufficient_funds" },
      {
        terminalTxnId: "T-mismatch",
        outcome: "amount_mismatch",
        expected: usd(3000),
        processorAmount: usd(2500),
        authCode: "AUTH02",
        processorRef: "REF-02",
      },
      { terminalTxnId: "T-match", outcome: "matched", authCode: "AUTH01", processorRef: "REF-01", settled: usd(3000) },
    ]);
    expect((await health(sim)).lookupRequests).toBe(before + 1);
  });

  it("follows behaviours set through the simulator's API", async () => {
    await call(sim, "PUT", "/v1/behaviour/T-match", { respond: "amount", amount: usd(3100), times: 1 });
    const authority = new HttpTenderAuthority({ baseUrl: sim.url });
    const [first] = await authority.lookup([tender("T-match")]);
    expect(first).toMatchObject({ outcome: "amount_mismatch", processorAmount: usd(3100), authCode: "AUTH01" });
    const [second] = await authority.lookup([tender("T-match")]);
    expect(second).toMatchObject({ outcome: "matched" });
  });

  it("splits lookups larger than maxBatch into several requests and keeps the order", async () => {
    const authority = new HttpTenderAuthority({ baseUrl: sim.url, maxBatch: 2 });
    const before = (await health(sim)).lookupRequests;
    const ids = ["T-match", "T-n1", "T-declined", "T-n2", "T-mismatch"];
    const results = await authority.lookup(ids.map((id) => tender(id)));
    expect(results.map((r) => [r.terminalTxnId, r.outcome])).toEqual([
      ["T-match", "matched"],
      ["T-n1", "not_found"],
      ["T-declined", "declined"],
      ["T-n2", "not_found"],
      ["T-mismatch", "amount_mismatch"],
    ]);
    expect((await health(sim)).lookupRequests).toBe(before + 3);
  });

  it("answers a slow processor within the timeout", async () => {
    await call(sim, "PUT", "/v1/behaviour/T-slow", { delayMs: 50, times: 1 });
    const authority = new HttpTenderAuthority({ baseUrl: sim.url, timeoutMs: 10_000 });
    const [result] = await authority.lookup([tender("T-slow")]);
    expect(result).toMatchObject({ outcome: "matched", authCode: "AUTH03" });
  });

  it("fails with a retryable timeout error when the processor is slower than the timeout", async () => {
    await call(sim, "PUT", "/v1/behaviour/T-slow", { delayMs: 60_000, times: 1 });
    const authority = new HttpTenderAuthority({ baseUrl: sim.url, timeoutMs: 300 });
    const err = await rejection(authority.lookup([tender("T-match"), tender("T-slow")]));
    expect(err).toBeInstanceOf(AuthorityTimeoutError);
    expect(err).toMatchObject({ kind: "timeout", retryable: true, timeoutMs: 300 });
  });

  it("fails with a timeout error when the processor never answers, and the simulator sees the client leave", async () => {
    await call(sim, "PUT", "/v1/behaviour/T-hang", { respond: "hang" });
    const authority = new HttpTenderAuthority({ baseUrl: sim.url, timeoutMs: 300 });
    const err = await rejection(authority.lookup([tender("T-hang")]));
    expect(err).toBeInstanceOf(AuthorityTimeoutError);
    expect((err as TenderAuthorityError).message).toContain("did not answer within 300 ms");
    await vi.waitFor(async () => expect((await health(sim)).hanging).toBe(0));
    await call(sim, "DELETE", "/v1/behaviour/T-hang");
  });

  it("retries a momentarily unavailable processor and then answers", async () => {
    await call(sim, "PUT", "/v1/behaviour/T-flaky", { respond: "unavailable", times: 1 });
    const authority = new HttpTenderAuthority({ baseUrl: sim.url, retry: { retries: 2, initialDelayMs: 10 } });
    const before = (await health(sim)).lookupRequests;
    const [result] = await authority.lookup([tender("T-flaky")]);
    expect(result).toMatchObject({ outcome: "matched", authCode: "AUTH04" });
    expect((await health(sim)).lookupRequests).toBe(before + 2);
  });

  it("gives up with a retryable unavailable error when the processor stays unavailable", async () => {
    await call(sim, "PUT", "/v1/behaviour/T-flaky", { respond: "unavailable" });
    const authority = new HttpTenderAuthority({ baseUrl: sim.url, retry: { retries: 1, initialDelayMs: 10 } });
    const before = (await health(sim)).lookupRequests;
    const err = await rejection(authority.lookup([tender("T-flaky")]));
    expect(err).toBeInstanceOf(AuthorityUnavailableError);
    expect(err).toMatchObject({ kind: "unavailable", retryable: true, status: 503 });
    expect((await health(sim)).lookupRequests).toBe(before + 2);
    await call(sim, "DELETE", "/v1/behaviour/T-flaky");
  });

  it("does not retry a timeout inside the call (the caller's backoff does)", async () => {
    await call(sim, "PUT", "/v1/behaviour/T-slow", { delayMs: 60_000, times: 5 });
    const authority = new HttpTenderAuthority({ baseUrl: sim.url, timeoutMs: 200, retry: { retries: 3, initialDelayMs: 10 } });
    const before = (await health(sim)).lookupRequests;
    expect(await rejection(authority.lookup([tender("T-slow")]))).toBeInstanceOf(AuthorityTimeoutError);
    expect((await health(sim)).lookupRequests).toBe(before + 1);
    await call(sim, "DELETE", "/v1/behaviour/T-slow");
  });

  it("refuses to send a card number or an invalid lookup, and sends nothing", async () => {
    const authority = new HttpTenderAuthority({ baseUrl: sim.url });
    const before = (await health(sim)).lookupRequests;
    const pan = await rejection(authority.lookup([{ ...tender("T-match"), token: "4111111111111111" }]));
    expect(pan).toBeInstanceOf(AuthorityInvalidRequestError);
    expect((pan as Error).message).toContain("[0].token");
    expect((pan as Error).message).not.toContain("4111");
    const fractional = await rejection(authority.lookup([{ ...tender("T-match"), expected: { amount: 1.5, currency: "USD" } }]));
    expect(fractional).toMatchObject({ kind: "invalid_request", retryable: false });
    const dup = await rejection(authority.lookup([tender("T-match"), tender("T-match")]));
    expect((dup as Error).message).toContain("appears twice");
    expect(await authority.lookup([])).toEqual([]);
    expect((await health(sim)).lookupRequests).toBe(before);
  });

  it("passes the caller's abort through as is, not as a processor failure", async () => {
    await call(sim, "PUT", "/v1/behaviour/T-hang2", { respond: "hang" });
    const authority = new HttpTenderAuthority({ baseUrl: sim.url, timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = rejection(authority.lookup([tender("T-hang2")], { signal: controller.signal }));
    await vi.waitFor(async () => expect((await health(sim)).hanging).toBe(1));
    controller.abort(new Error("shutting down"));
    const err = await pending;
    expect(err).not.toBeInstanceOf(TenderAuthorityError);
    expect((err as Error).message).toBe("shutting down");
    await call(sim, "DELETE", "/v1/behaviour/T-hang2");
  });
});

describe("HttpTenderAuthority and the simulator's lifecycle", () => {
  const dir = mkdtempSync(join(tmpdir(), "processor-sim-proc-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reconciles unseeded tenders with --auto-approve, deterministically", async () => {
    const sim = await start({ autoApprove: true });
    const authority = new HttpTenderAuthority({ baseUrl: sim.url });
    const [result] = await authority.lookup([tender("T-000123", 3000)]);
    const expected = autoApprovedSettlement("T-000123", usd(3000));
    expect(result).toEqual({
      terminalTxnId: "T-000123",
      outcome: "matched",
      authCode: expected.authCode,
      processorRef: expected.processorRef,
      settled: usd(3000),
    });
  });

  it("keeps records across a restart with --data, and reports an unreachable processor as unavailable", async () => {
    const dataFile = join(dir, "settlements.json");
    const first = await start({ dataFile });
    await call(first, "POST", "/v1/settlements", {
      terminalTxnId: "T-kept",
      amount: usd(700),
      authCode: "KEEP01",
      processorRef: "REF-K",
    });
    await first.stop();

    const gone = new HttpTenderAuthority({ baseUrl: first.url, retry: { retries: 1, initialDelayMs: 10 } });
    const err = await rejection(gone.lookup([tender("T-kept", 700)]));
    expect(err).toBeInstanceOf(AuthorityUnavailableError);
    expect((err as Error).message).toContain("could not be reached");

    const second = await start({ dataFile });
    const [result] = await new HttpTenderAuthority({ baseUrl: second.url }).lookup([tender("T-kept", 700)]);
    expect(result).toMatchObject({ outcome: "matched", authCode: "KEEP01", settled: usd(700) });
  });

  it("reports a simulator that cannot start with its error", async () => {
    const err = await rejection(startSimulatorProcess({ port: 70_000 }));
    expect((err as Error).message).toMatch(/exited before listening.*--port must be an integer/s);
  });
});
