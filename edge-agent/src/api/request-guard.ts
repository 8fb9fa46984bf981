import { ServiceError } from "@tenderline/shared";
import type { MiddlewareHandler } from "hono";

export interface RequestGuardOptions {
  /** Host names besides the loopback ones that this agent answers to. */
  allowedHosts: readonly string[];
  /** The port the agent listens on, once it does; a Host naming another port is refused. */
  port: () => number | undefined;
}

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** What a browser says of a request from this agent's own page, or typed into the address bar. */
const OWN_FETCH_SITES = new Set(["same-origin", "none"]);

function parseHost(value: string): { hostname: string; port: number } | undefined {
  try {
    const url = new URL(`http://${value}`);
    if (url.host !== value.toLowerCase() && `${url.hostname}:80` !== value.toLowerCase()) return undefined;
    return { hostname: url.hostname, port: url.port === "" ? 80 : Number(url.port) };
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

function isJson(contentType: string | undefined): boolean {
  return /^application\/json\s*(;|$)/i.test(contentType ?? "");
}

/**
 * The register's door. Loopback is not a wall: any web page open in the register's browser can
 * send requests to 127.0.0.1, and a DNS-rebinding page can even read the answers. So:
 * - the Host must be this agent's own loopback name (or a configured one) and its port: a page
 *   served from evil.example that rebinds its name to 127.0.0.1 still sends `Host: evil.example`;
 * - a state-changing request must be JSON: a page can send a form or `text/plain` to another site
 *   without asking, but `application/json` makes the browser ask first (CORS preflight), and this
 *   agent never says yes;
 * - a state-changing request from a browser must come from this agent's own origin.
 * The register software (a process posting JSON, no Origin) and the agent's own screens pass.
 *
 * hono/csrf covers only form-like content types and answers with a bare "Forbidden", so the three
 * rules are kept together here, each refusal saying what to fix.
 */
export function requestGuard(options: RequestGuardOptions): MiddlewareHandler {
  const names = new Set([...LOOPBACK_NAMES, ...options.allowedHosts.map((h) => h.toLowerCase())]);
  return async (c, next) => {
    const hostHeader = c.req.header("host") ?? new URL(c.req.url).host;
    const host = parseHost(hostHeader);
    const port = options.port();
    if (!host || !names.has(host.hostname) || (port !== undefined && host.port !== port)) {
      throw new ServiceError(
        421,
        "wrong_host",
        `this register's agent answers only to its own address (${[...names].join(", ")}${port !== undefined ? ` on port ${port}` : ""}); the request was addressed to another host, so nothing was done`,
      );
    }
    if (!SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header("origin");
      const ownOrigin = `http://${hostHeader.toLowerCase()}`;
      if (origin !== undefined && origin.toLowerCase() !== ownOrigin) {
        throw new ServiceError(
          403,
          "foreign_origin",
          `refused: this request came from a web page at ${origin.slice(0, 100)}, not from this register's own screens (${ownOrigin}); nothing was recorded`,
        );
      }
      const site = c.req.header("sec-fetch-site");
      if (site !== undefined && !OWN_FETCH_SITES.has(site)) {
        throw new ServiceError(
          403,
          "foreign_origin",
          `refused: the browser says this request came from another site (${site.slice(0, 20)}); nothing was recorded`,
        );
      }
      if (!isJson(c.req.header("content-type"))) {
        throw new ServiceError(
          403,
          "json_required",
          "refused: this agent takes changes only as JSON; send the request with Content-Type: application/json (a form or text/plain post is what another web page could send, so it is refused and nothing was recorded)",
        );
      }
    }
    await next();
  };
}
