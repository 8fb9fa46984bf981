/**
 * The renderer's security settings and navigation rules, kept free of Electron imports at run
 * time (types only) so they are tested as plain Node code.
 */
import type { BrowserWindowConstructorOptions } from "electron";

export function secureWindowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    autoHideMenuBar: true,
    backgroundColor: "#f3f5f7",
    title: "Tenderline Register",
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

/** The window may only ever show the agent's own pages: same scheme, host and port. */
export function isAgentUrl(url: string, agentUrl: string): boolean {
  return URL.canParse(url) && URL.canParse(agentUrl) && new URL(url).origin === new URL(agentUrl).origin;
}

/** Adds the strict CSP to every response the window loads, on top of the one the agent sends. */
export function withCsp(headers: Record<string, string[] | string> | undefined, csp: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === "content-security-policy") continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out["Content-Security-Policy"] = [csp];
  return out;
}
