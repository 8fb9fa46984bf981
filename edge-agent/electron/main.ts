/**
 * Electron main process: thin wiring. It starts the agent core and its sync engine (runtime.ts,
 * plain Node; createAgent starts the engine's worker thread), opens one locked-down window on the
 * agent's own URL, and on quit lets the sync engine finish its batch before closing the database.
 * Everything it calls runs without Electron.
 */
import { fileURLToPath } from "node:url";
import { app, BrowserWindow, dialog, ipcMain, session } from "electron";
import { SCREENS_CSP } from "../src/screens/layout.tsx";
import { resolveConfigFile } from "./config-location.ts";
import { type AgentRuntime, startAgentRuntime } from "./runtime.ts";
import { isAgentUrl, secureWindowOptions, withCsp } from "./window-security.ts";

const PRELOAD = fileURLToPath(new URL("./preload.cjs", import.meta.url));

let runtime: AgentRuntime | undefined;
let window: BrowserWindow | undefined;
let quitting = false;

function openWindow(agentUrl: string): BrowserWindow {
  const win = new BrowserWindow(secureWindowOptions(PRELOAD));
  win.webContents.setWindowOpenHandler(() => ({ action: "deny" }));
  win.webContents.on("will-navigate", (event, url) => {
    if (!isAgentUrl(url, agentUrl)) event.preventDefault();
  });
  win.webContents.on("will-redirect", (event, url) => {
    if (!isAgentUrl(url, agentUrl)) event.preventDefault();
  });
  win.webContents.on("will-attach-webview", (event) => event.preventDefault());
  win.once("ready-to-show", () => win.show());
  void win.loadURL(new URL("/cashier", agentUrl).href);
  return win;
}

async function start(): Promise<void> {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders, SCREENS_CSP) });
  });
  runtime = await startAgentRuntime({ configFile: resolveConfigFile(app.getPath("userData")) });
  const agentUrl = runtime.url;
  const info = { version: app.getVersion(), storeId: runtime.agent.config.storeId, registerId: runtime.agent.config.registerId };
  ipcMain.handle("tenderline:info", (event) => {
    if (!isAgentUrl(event.senderFrame?.url ?? "", agentUrl)) throw new Error("not the agent's page");
    return info;
  });
  window = openWindow(agentUrl);
}

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the register's data directory: hand over to it.
  app.quit();
} else {
  app.on("second-instance", () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on("web-contents-created", (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: "deny" }));
  });
  app.on("window-all-closed", () => app.quit());
  app.on("before-quit", (event) => {
    if (quitting || !runtime) return;
    // Let the sync engine finish the batch it is sending, then close the outbox cleanly.
    event.preventDefault();
    quitting = true;
    runtime.stop().finally(() => app.exit(0));
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => app.quit());
  app
    .whenReady()
    .then(start)
    .catch(async (error: unknown) => {
      // A missing or bad config, a port in use, a data directory held by another register: say so and quit.
      dialog.showErrorBox("Tenderline could not start", error instanceof Error ? error.message : String(error));
      await runtime?.stop();
      app.exit(1);
    });
}
