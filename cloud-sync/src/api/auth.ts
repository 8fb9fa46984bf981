import { createMiddleware } from "hono/factory";
import type { PrincipalResolver } from "../auth/principal-cache.ts";
import type { Principal, TokenKind } from "../auth/tokens.ts";
import { fail } from "./http-error.ts";

export type AuthEnv = { Variables: { principal: Principal } };

/** 401 without a known bearer token; 403 when the token is of a kind this route does not serve. */
export function requireToken(resolve: PrincipalResolver, ...kinds: TokenKind[]) {
  return createMiddleware<AuthEnv>(async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) fail(401, "unauthorized", "send a token as 'Authorization: Bearer <token>'");
    const principal = await resolve(match[1]);
    if (!principal) fail(401, "unauthorized", "this token is not known to this region");
    if (!kinds.includes(principal.kind)) {
      fail(403, "forbidden", `a ${principal.kind} token cannot do this; it needs a ${kinds.join(" or ")} token`);
    }
    c.set("principal", principal);
    await next();
  });
}
