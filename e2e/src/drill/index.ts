export * from "./history-checker.ts";
export * from "./html-report.ts";
export * from "./run-drill.ts";
