/**
 * A stand-in for the parts of Electron's main-process API the shell uses. It reports what the
 * shell asks of it on stdout (one JSON line each), so a test can follow the compiled main as far
 * as it goes without the Electron binary: the agent started, the window opened on its URL.
 */
import { EventEmitter } from "node:events";

const report = (fact) => process.stdout.write(`${JSON.stringify(fact)}\n`);
const appEvents = new EventEmitter();

export const app = {
  requestSingleInstanceLock: () => true,
  on(event, listener) {
    appEvents.on(event, listener);
    return app;
  },
  whenReady: () => Promise.resolve(),
  getPath: () => process.env.STAND_IN_USER_DATA ?? process.cwd(),
  getVersion: () => "0.0.0-stand-in",
  quit() {
    let prevented = false;
    appEvents.emit("before-quit", {
      preventDefault() {
        prevented = true;
      },
    });
    if (!prevented) process.exit(0);
  },
  exit(code) {
    report({ appExit: code });
    process.exit(code);
  },
};

class WebContents extends EventEmitter {
  setWindowOpenHandler() {}
}

export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.webContents = new WebContents();
    report({ windowOptions: options.webPreferences ?? {} });
  }
  loadURL(url) {
    report({ windowLoaded: url });
    setImmediate(() => this.emit("ready-to-show"));
    return Promise.resolve();
  }
  show() {}
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {}
}

export const dialog = { showErrorBox: (title, message) => report({ errorBox: `${title}: ${message}` }) };
export const ipcMain = { handle: (channel) => report({ ipcHandle: channel }) };
export const session = {
  defaultSession: { setPermissionRequestHandler() {}, webRequest: { onHeadersReceived() {} } },
};

export default { app, BrowserWindow, dialog, ipcMain, session };
