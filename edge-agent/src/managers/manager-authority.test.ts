import { hashPin } from "@tenderline/shared";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ManagerAuthSchema } from "../config/config.ts";
import { openDatabase } from "../storage/database.ts";
import { tempDir } from "../testing/fixtures.ts";
import { ManagerAuthority, ManagerSignInError } from "./manager-authority.ts";

const FAST = { N: 1024, r: 8, p: 1 };
let managers: Array<{ id: string; name: string; pinHash: string }>;
const cleanups: Array<() => void> = [];

beforeAll(async () => {
  managers = [
    { id: "m-1", name: "Dana", pinHash: await hashPin("246810", FAST) },
    { id: "m-2", name: "Sam", pinHash: await hashPin("135791", FAST) },
  ];
});

afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function authority(options: { clock?: () => number; dir?: string } = {}) {
  const t = options.dir ? { dir: options.dir, cleanup: () => {} } : tempDir();
  const db = openDatabase(t.dir);
  cleanups.push(() => {
    db.close();
    t.cleanup();
  });
  const settings = ManagerAuthSchema.parse({ sessionMinutes: 5, maxFailures: 3, lockoutMinutes: 10 });
  return { auth: new ManagerAuthority(db, managers, settings, options.clock), dir: t.dir, db };
}

async function refusal(p: Promise<unknown>): Promise<ManagerSignInError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ManagerSignInError)) throw new Error(`expected a ManagerSignInError, got ${String(error)}`);
  return error;
}

describe("ManagerAuthority", () => {
  it("a right PIN gives a session that names the manager and ends after the configured minutes", async () => {
    let now = 1_000_000;
    const { auth } = authority({ clock: () => now });
    const { token, session } = await auth.signIn("m-1", "246810");
    expect(session).toEqual({ managerId: "m-1", name: "Dana", expiresAt: 1_000_000 + 5 * 60_000 });
    expect(auth.session(token)?.managerId).toBe("m-1");
    now += 5 * 60_000 - 1;
    expect(auth.session(token)).toBeDefined();
    now += 1;
    expect(auth.session(token)).toBeUndefined();
  });

  it("forgets expired sessions nobody came back to", async () => {
    let now = 0;
    const { auth } = authority({ clock: () => now });
    await auth.signIn("m-1", "246810");
    await auth.signIn("m-2", "135791");
    expect(auth.heldSessions).toBe(2);
    now += 5 * 60_000;
    await auth.signIn("m-1", "246810");
    expect(auth.heldSessions).toBe(1);
  });

  it("signing out ends the session; an unknown token is no session", async () => {
    const { auth } = authority();
    const { token } = await auth.signIn("m-2", "135791");
    auth.signOut(token);
    expect(auth.session(token)).toBeUndefined();
    expect(auth.session("made-up")).toBeUndefined();
    expect(auth.session(undefined)).toBeUndefined();
  });

  it("a wrong PIN and an unknown id get the same answer", async () => {
    const { auth } = authority();
    const wrong = await refusal(auth.signIn("m-1", "000000"));
    const unknown = await refusal(auth.signIn("m-9", "246810"));
    expect(wrong.kind).toBe("not_recognised");
    expect(unknown.message).toBe(wrong.message);
  });

  it("locks a manager after maxFailures wrong PINs in a row, even for the right PIN, until the lock runs out", async () => {
    let now = 5_000_000;
    const { auth } = authority({ clock: () => now });
    await refusal(auth.signIn("m-1", "111111"));
    await refusal(auth.signIn("m-1", "222222"));
    const third = await refusal(auth.signIn("m-1", "333333"));
    expect(third.kind).toBe("locked");
    expect(third.lockedUntil).toBe(now + 10 * 60_000);
    const right = await refusal(auth.signIn("m-1", "246810"));
    expect(right.kind).toBe("locked");
    expect(right.message).toContain("Dana (m-1) is locked after 3 wrong PINs");
    expect(auth.locks()).toEqual([{ managerId: "m-1", name: "Dana", failures: 3, lockedUntil: 5_000_000 + 600_000 }]);
    // Another manager is not affected.
    expect((await auth.signIn("m-2", "135791")).session.managerId).toBe("m-2");
    now += 10 * 60_000;
    expect(auth.locks()).toEqual([]);
    expect((await auth.signIn("m-1", "246810")).session.managerId).toBe("m-1");
  });

  it("a right PIN resets the count of wrong ones", async () => {
    const { auth } = authority();
    await refusal(auth.signIn("m-1", "111111"));
    await refusal(auth.signIn("m-1", "222222"));
    await auth.signIn("m-1", "246810");
    await refusal(auth.signIn("m-1", "111111"));
    const second = await refusal(auth.signIn("m-1", "222222"));
    expect(second.kind).toBe("not_recognised");
  });

  it("tries sent at once cannot get past the limit together", async () => {
    const { auth } = authority();
    const tries = await Promise.all(Array.from({ length: 10 }, (_, i) => refusal(auth.signIn("m-1", `99999${i}`))));
    expect(tries.filter((t) => t.kind === "not_recognised")).toHaveLength(2);
    expect(tries.filter((t) => t.kind === "locked")).toHaveLength(8);
    expect((await refusal(auth.signIn("m-1", "246810"))).kind).toBe("locked");
  });

  it("the count of wrong PINs survives a restart", async () => {
    const first = authority();
    await refusal(first.auth.signIn("m-1", "111111"));
    await refusal(first.auth.signIn("m-1", "222222"));
    first.db.close();
    const db = openDatabase(first.dir);
    try {
      const again = new ManagerAuthority(db, managers, ManagerAuthSchema.parse({ maxFailures: 3 }));
      expect((await refusal(again.signIn("m-1", "333333"))).kind).toBe("locked");
    } finally {
      db.close();
      cleanups.pop();
    }
  });

  it("a register with no managers says so instead of asking for a PIN", async () => {
    const t = tempDir();
    const db = openDatabase(t.dir);
    try {
      const none = new ManagerAuthority(db, [], ManagerAuthSchema.parse({}));
      expect((await refusal(none.signIn("m-1", "246810"))).kind).toBe("no_managers");
    } finally {
      db.close();
      t.cleanup();
    }
  });
});
