// @ts-check
// The renderer's only bridge (sandboxed, context-isolated): read-only facts about this register.
// Everything else the screens need is the agent's HTTP API on the same origin.
const { contextBridge, ipcRenderer } = require("electron");

contextBridge.exposeInMainWorld("tenderline", {
  shell: "electron",
  /** @returns {Promise<{ version: string, storeId: string, registerId: string }>} */
  info: () => ipcRenderer.invoke("tenderline:info"),
});
