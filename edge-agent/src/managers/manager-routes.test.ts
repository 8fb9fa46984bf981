import { ErrorBodySchema, ManagerSessionSchema } from "@tenderline/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { MANAGERS, managerCookie, managerSignOut, testAgent } from "../testing/fixtures.ts";

type TestAgent = ReturnType<typeof testAgent>;

describe("manager sessions (POST, GET, DELETE /api/v1/manager/session)", () => {
  let agent: TestAgent;
  beforeEach(() => {
    agent = testAgent({ managerAuth: { maxFailures: 3, lockoutMinutes: 10, sessionMinutes: 2 } });
  });
  afterEach(async () => {
    await agent.done();
  });

  const signIn = (managerId: string, pin: string) =>
    agent.app.request("/api/v1/manager/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ managerId, pin }),
    });
  const whoami = (cookie?: string) => agent.app.request("/api/v1/manager/session", { headers: cookie ? { cookie } : {} });

  it("signs a manager in with a short-lived HttpOnly, SameSite=Strict cookie that names no one", async () => {
    const res = await signIn(MANAGERS.dana.id, MANAGERS.dana.pin);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ managerId: "m-1", name: "Dana", expiresAt: expect.any(String) });
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^tl_manager=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Max-Age=120");
    expect(cookie).not.toContain(MANAGERS.dana.pin);
    const me = await whoami(cookie.split(";")[0]);
    expect(me.status).toBe(200);
    expect(ManagerSessionSchema.parse(await me.json()).managerId).toBe("m-1");
  });

  it("a wrong PIN is 401, a locked manager 423 with when the lock ends; the manager screen shows the lock", async () => {
    const wrong = await signIn(MANAGERS.dana.id, "000000");
    expect(wrong.status).toBe(401);
    expect(ErrorBodySchema.parse(await wrong.json()).error).toBe("manager_not_recognised");
    await signIn(MANAGERS.dana.id, "000001");
    const third = await signIn(MANAGERS.dana.id, "000002");
    expect(third.status).toBe(423);
    const body = ErrorBodySchema.extend({ details: z.object({ lockedUntil: z.unknown() }) }).parse(await third.json());
    expect(body.error).toBe("manager_locked");
    expect(body.details.lockedUntil).toEqual(expect.any(String));
    expect((await signIn(MANAGERS.dana.id, MANAGERS.dana.pin)).status).toBe(423);
    const panel = await (await agent.app.request("/screens/manager/panel")).text();
    expect(panel).toContain('data-manager-id="m-1"');
    expect(panel).toMatch(/Dana \(m-1\) is locked after too many wrong PINs/);
    // The other manager still can.
    expect((await signIn(MANAGERS.sam.id, MANAGERS.sam.pin)).status).toBe(201);
  });

  it("signing out ends the session for good", async () => {
    const cookie = await managerCookie(agent.app);
    const out = await managerSignOut(agent.app, cookie);
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/tl_manager=;.*Max-Age=0/);
    expect((await whoami(cookie)).status).toBe(401);
  });

  it("the manager screen says who is signed in", async () => {
    expect(await (await agent.app.request("/screens/manager/panel")).text()).toContain('data-signed-in=""');
    const cookie = await managerCookie(agent.app, MANAGERS.sam);
    const panel = await (await agent.app.request("/screens/manager/panel", { headers: { cookie } })).text();
    expect(panel).toContain('data-signed-in="m-2"');
    expect(panel).toContain("Signed in: <strong>Sam</strong>");
  });

  it("refuses a sign-in that is not JSON, or lacks a field, saying what to send", async () => {
    const form = await agent.app.request("/api/v1/manager/session", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "managerId=m-1&pin=246810",
    });
    expect(form.status).toBe(403);
    const missing = await agent.app.request("/api/v1/manager/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ managerId: "m-1" }),
    });
    expect(missing.status).toBe(400);
    expect(ErrorBodySchema.parse(await missing.json()).message).toContain("pin");
  });

  it("a register without managers says so", async () => {
    const bare = testAgent({ managers: [] });
    try {
      const res = await bare.app.request("/api/v1/manager/session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ managerId: "m-1", pin: "246810" }),
      });
      expect(res.status).toBe(409);
      expect(ErrorBodySchema.parse(await res.json()).message).toContain("no managers are set up");
    } finally {
      await bare.done();
    }
  });
});
