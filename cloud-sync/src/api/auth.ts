import { fail } from "@tenderline/shared";
import { createMiddleware } from "hono/factory";
import type { PrincipalResolver } from "../auth/principal-resolver.ts";
import type { Principal, TokenKind } from "../auth/tokens.ts";

export type AuthEnv = { Variables: { principal: Principal } };

export function bearer(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
}

/** 401 without a credential this region accepts (saying why); 403 when it is of a kind this route does not serve. */
export function requireToken(resolve: PrincipalResolver, ...kinds: TokenKind[]) {
  return createMiddleware<AuthEnv>(async (c, next) => {
    const token = bearer(c.req.header("authorization"));
    if (!token) fail(401, "unauthorized", "send a credential as 'Authorization: Bearer <credential>'");
    const resolved = await resolve(token);
    if (!resolved.ok) fail(401, "unauthorized", resolved.reason);
    const { principal } = resolved;
    if (!kinds.includes(principal.kind)) {
      fail(403, "forbidden", `a ${principal.kind} credential cannot do this; it needs a ${kinds.join(" or ")} credential`);
    }
    c.set("principal", principal);
    await next();
  });
}
