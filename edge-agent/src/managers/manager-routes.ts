import { type ManagerSessionBody, type ManagerSignedOut, ManagerSignInSchema, ServiceError } from "@tenderline/shared";
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { readJson } from "../api/read-json.ts";
import type { Logger } from "../logging/logger.ts";
import { type ManagerAuthority, type ManagerSession, ManagerSignInError } from "./manager-authority.ts";

/** The cookie that carries a manager's session: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const MANAGER_COOKIE = "tl_manager";

export type ManagerEnv = { Variables: { manager: ManagerSession } };

/** The manager signed in on this request's cookie, if any. */
export function managerOf(c: Context, authority: ManagerAuthority): ManagerSession | undefined {
  return authority.session(getCookie(c, MANAGER_COOKIE));
}

/** Lets the request through only when a manager is signed in; the handler finds them in `c.get("manager")`. */
export function requireManager(authority: ManagerAuthority): MiddlewareHandler<ManagerEnv> {
  return async (c, next) => {
    const manager = managerOf(c, authority);
    if (!manager) {
      throw new ServiceError(
        401,
        "manager_required",
        "a manager has to approve this: ask a manager to sign in with their id and PIN, then try again",
      );
    }
    c.set("manager", manager);
    await next();
  };
}

const sessionBody = (s: ManagerSession): ManagerSessionBody => ({
  managerId: s.managerId,
  name: s.name,
  expiresAt: new Date(s.expiresAt).toISOString(),
});

/** POST/GET/DELETE /api/v1/manager/session: a manager signs in with id and PIN, sees who is signed in, signs out. */
export function managerRoutes(authority: ManagerAuthority, logger: Logger): Hono {
  const app = new Hono();

  app.post("/session", async (c) => {
    const parsed = ManagerSignInSchema.safeParse(await readJson(c));
    if (!parsed.success) throw ServiceError.invalid(parsed.error, false);
    const { managerId, pin } = parsed.data;
    try {
      const { token, session } = await authority.signIn(managerId, pin);
      setCookie(c, MANAGER_COOKIE, token, {
        httpOnly: true,
        sameSite: "Strict",
        path: "/",
        maxAge: authority.sessionSeconds,
      });
      logger.info({ managerId }, "manager signed in");
      return c.json(sessionBody(session), 201);
    } catch (error) {
      if (!(error instanceof ManagerSignInError)) throw error;
      // The id is logged so the store can see who was tried; the PIN never is.
      logger.warn({ managerId: managerId.slice(0, 64), refusal: error.kind }, "manager sign-in refused");
      if (error.kind === "locked") {
        throw new ServiceError(423, "manager_locked", error.message, {
          details: { lockedUntil: new Date(error.lockedUntil ?? 0).toISOString() },
        });
      }
      if (error.kind === "no_managers") throw new ServiceError(409, "no_managers", error.message);
      throw new ServiceError(401, "manager_not_recognised", error.message);
    }
  });

  app.get("/session", (c) => {
    const session = managerOf(c, authority);
    if (!session) throw new ServiceError(401, "manager_required", "no manager is signed in on this register");
    return c.json(sessionBody(session));
  });

  app.delete("/session", (c) => {
    const token = getCookie(c, MANAGER_COOKIE);
    const session = authority.session(token);
    authority.signOut(token);
    deleteCookie(c, MANAGER_COOKIE, { path: "/" });
    if (session) logger.info({ managerId: session.managerId }, "manager signed out");
    return c.json({ signedOut: true } satisfies ManagerSignedOut);
  });

  return app;
}
