import { createHash, randomBytes } from "node:crypto";
import { hashPin, verifyPin } from "@tenderline/shared";
import type { ManagerAuthSettings, ManagerConfig } from "../config/config.ts";
import type { Db } from "../storage/database.ts";

/** A signed-in manager: who, and until when. The token itself is only in the cookie. */
export interface ManagerSession {
  managerId: string;
  name: string;
  expiresAt: number;
}

export interface ManagerLock {
  managerId: string;
  name: string;
  failures: number;
  lockedUntil: number;
}

/** Why a sign-in was refused, in words the cashier and the manager understand. */
export class ManagerSignInError extends Error {
  constructor(
    readonly kind: "not_recognised" | "locked" | "no_managers",
    message: string,
    readonly lockedUntil?: number,
  ) {
    super(message);
    this.name = "ManagerSignInError";
  }
}

const sha256 = (token: string) => createHash("sha256").update(token).digest("hex");

/**
 * Managers' authority on this register: PINs checked against their scrypt hashes, short sessions
 * held in memory (a restart signs everyone out), and wrong PINs counted in SQLite so that a
 * manager is locked after `maxFailures` in a row and a restart does not reset the count.
 *
 * A try is charged before its PIN is checked (the check takes a while on the thread pool), so
 * tries sent at once cannot get past the limit together.
 */
export class ManagerAuthority {
  private readonly managers: Map<string, ManagerConfig>;
  private readonly sessions = new Map<string, ManagerSession>();
  private readonly stmts;
  /** Checked when the id is unknown, so a wrong id takes as long as a wrong PIN. */
  private decoy: Promise<string> | undefined;

  constructor(
    db: Db,
    managers: readonly ManagerConfig[],
    private readonly settings: ManagerAuthSettings,
    private readonly clock: () => number = Date.now,
  ) {
    this.managers = new Map(managers.map((m) => [m.id, m]));
    this.stmts = {
      get: db.prepare("SELECT failures, locked_until AS lockedUntil FROM manager_lockouts WHERE manager_id = ?"),
      charge: db.prepare(
        "INSERT INTO manager_lockouts (manager_id, failures, locked_until) VALUES (?, 1, NULL) ON CONFLICT (manager_id) DO UPDATE SET failures = failures + 1",
      ),
      lock: db.prepare("UPDATE manager_lockouts SET locked_until = ? WHERE manager_id = ?"),
      clear: db.prepare("DELETE FROM manager_lockouts WHERE manager_id = ?"),
      all: db.prepare("SELECT manager_id AS managerId, failures, locked_until AS lockedUntil FROM manager_lockouts"),
    };
  }

  /** How long a session lasts, for the cookie's Max-Age. */
  get sessionSeconds(): number {
    return this.settings.sessionMinutes * 60;
  }

  get configured(): boolean {
    return this.managers.size > 0;
  }

  async signIn(managerId: string, pin: string): Promise<{ token: string; session: ManagerSession }> {
    if (!this.configured) {
      throw new ManagerSignInError(
        "no_managers",
        "no managers are set up on this register, so nothing can be approved here; add managers to the register's config",
      );
    }
    const manager = this.managers.get(managerId);
    if (!manager) {
      this.decoy ??= hashPin("not-a-manager-pin");
      await verifyPin(pin, await this.decoy);
      throw this.notRecognised();
    }
    const tries = this.charge(managerId);
    const ok = await verifyPin(pin, manager.pinHash);
    if (!ok) {
      if (tries >= this.settings.maxFailures) {
        const until = this.clock() + this.settings.lockoutMinutes * 60_000;
        this.stmts.lock.run(until, managerId);
        throw this.locked(manager, until);
      }
      throw this.notRecognised();
    }
    this.stmts.clear.run(managerId);
    this.forgetExpired();
    const token = randomBytes(32).toString("base64url");
    const session = { managerId, name: manager.name, expiresAt: this.clock() + this.settings.sessionMinutes * 60_000 };
    this.sessions.set(sha256(token), session);
    return { token, session };
  }

  /** The session a token stands for, if it has not expired or been ended. */
  session(token: string | undefined): ManagerSession | undefined {
    if (!token) return undefined;
    const key = sha256(token);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (session.expiresAt <= this.clock()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  /** Sessions nobody came back to would otherwise stay in memory until the agent restarts. */
  private forgetExpired(): void {
    const now = this.clock();
    for (const [key, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(key);
  }

  /** How many sessions are held (signed in and not yet expired or forgotten). */
  get heldSessions(): number {
    return this.sessions.size;
  }

  signOut(token: string | undefined): void {
    if (token) this.sessions.delete(sha256(token));
  }

  /** Managers locked now, for the manager screen. */
  locks(): ManagerLock[] {
    const now = this.clock();
    return (this.stmts.all.all() as Array<{ managerId: string; failures: number; lockedUntil: number | null }>)
      .filter((r): r is typeof r & { lockedUntil: number } => r.lockedUntil !== null && r.lockedUntil > now)
      .map((r) => ({ ...r, name: this.managers.get(r.managerId)?.name ?? r.managerId }));
  }

  /**
   * Counts this try as a failure until its PIN proves right and says how many tries in a row that
   * makes; refuses it while the manager is locked.
   */
  private charge(managerId: string): number {
    const manager = this.managers.get(managerId) as ManagerConfig;
    const row = this.row(managerId);
    if (row?.lockedUntil !== null && row?.lockedUntil !== undefined) {
      if (row.lockedUntil > this.clock()) throw this.locked(manager, row.lockedUntil);
      this.stmts.clear.run(managerId);
    } else if (row && row.failures >= this.settings.maxFailures) {
      // Earlier tries still being checked have used up this manager's allowance.
      throw this.locked(manager, this.clock() + this.settings.lockoutMinutes * 60_000);
    }
    this.stmts.charge.run(managerId);
    return (this.row(managerId) as { failures: number }).failures;
  }

  private row(managerId: string): { failures: number; lockedUntil: number | null } | undefined {
    return this.stmts.get.get(managerId) as { failures: number; lockedUntil: number | null } | undefined;
  }

  private notRecognised(): ManagerSignInError {
    return new ManagerSignInError(
      "not_recognised",
      `manager id or PIN not recognised; try again (after ${this.settings.maxFailures} wrong PINs in a row a manager is locked for ${this.settings.lockoutMinutes} minutes)`,
    );
  }

  private locked(manager: ManagerConfig, until: number): ManagerSignInError {
    const at = new Date(until).toISOString().slice(11, 16);
    return new ManagerSignInError(
      "locked",
      `${manager.name} (${manager.id}) is locked after ${this.settings.maxFailures} wrong PINs until ${at} UTC; another manager can approve, or wait`,
      until,
    );
  }
}
