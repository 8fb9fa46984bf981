/**
 * Packages the compiled agent (dist/, from `pnpm build`) as the register's desktop app: Linux
 * AppImage and deb, Windows nsis. Run it where Electron can be downloaded (not on these build
 * machines), on a production deploy of the agent so node_modules holds runtime dependencies only
 * (README, "Desktop app"):
 *   pnpm build
 *   pnpm --filter @tenderline/edge-agent deploy --prod --config.node-linker=hoisted out/register-app
 *   cd out/register-app && npx --yes electron-builder@26.17.0 --config electron-builder.config.cjs --linux --win
 * Nothing is compiled at start-up: Electron runs dist/electron-main.js, whose worker threads are the
 * compiled dist/sync-worker.js and dist/checkpoint-worker.js beside it.
 */
module.exports = {
  appId: "com.tenderline.edge-agent",
  productName: "Tenderline Register",
  copyright: "Copyright © 2026 Tenderline",
  // Electron is a tool of the packaging step, not a runtime dependency of the deployed agent.
  electronVersion: "40.8.5",
  directories: { output: "release", buildResources: "electron/resources" },
  files: ["package.json", "dist/**", "!dist/**/*.map"],
  extraMetadata: { main: "dist/electron-main.js" },
  asar: true,
  // A native addon cannot be loaded from inside an asar archive.
  asarUnpack: ["**/node_modules/better-sqlite3/**", "**/*.node"],
  // better-sqlite3 is rebuilt for Electron's ABI here, in the packaging step only: a postinstall
  // rebuild would leave the Node test suite loading a binary built for the wrong ABI.
  npmRebuild: true,
  buildDependenciesFromSource: true,
  nodeGypRebuild: false,
  linux: {
    target: ["AppImage", "deb"],
    category: "Office",
    maintainer: "Tenderline <ops@tenderline.example>",
  },
  deb: {
    // What Electron's Chromium needs on a Debian/Ubuntu register (electron-builder's defaults plus
    // sound, GBM and DRM); an empty list would install a package that cannot start.
    depends: [
      "libgtk-3-0",
      "libnotify4",
      "libnss3",
      "libxss1",
      "libxtst6",
      "xdg-utils",
      "libatspi2.0-0",
      "libuuid1",
      "libsecret-1-0",
      "libgbm1",
      "libdrm2",
      "libasound2 | libasound2t64",
    ],
  },
  win: { target: ["nsis"] },
  nsis: { oneClick: false, perMachine: true, allowToChangeInstallationDirectory: false },
};
