/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
// The pragmas keep JSX right whatever tsconfig the runner picks up (tsx applies one only to the files it includes).
import type { Child } from "hono/jsx";

/** The strict Content-Security-Policy of every screen: only this agent's own scripts, styles and API. */
export const SCREENS_CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The same policy as one header value (the Electron shell sets it on every response it loads). */
export const SCREENS_CSP = Object.entries(SCREENS_CSP_DIRECTIVES)
  .map(([name, values]) => `${name.replace(/[A-Z]/g, (l) => `-${l.toLowerCase()}`)} ${values.join(" ")}`)
  .join("; ");

export interface PageProps {
  title: string;
  script: string;
  current: "cashier" | "manager";
  storeId: string;
  registerId: string;
  status?: Child;
  children: Child;
}

/** The shell both screens share: a top bar with where this register is, the two screens, and a status pill. */
export function Page(props: PageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <link rel="stylesheet" href="/screens/screens.css" />
        <script src={props.script} defer />
      </head>
      <body>
        <header class="topbar">
          <h1>Tenderline</h1>
          <span class="where">
            Store {props.storeId} · Register {props.registerId}
          </span>
          <nav aria-label="Screens">
            <a href="/cashier" class={props.current === "cashier" ? "current" : undefined}>
              Cashier
            </a>
            <a href="/manager" class={props.current === "manager" ? "current" : undefined}>
              Store manager
            </a>
          </nav>
          <span class="spacer" />
          {props.status}
        </header>
        {props.children}
      </body>
    </html>
  );
}

export function LinkPill(props: { online: boolean; id?: string }) {
  return (
    <span id={props.id} class={`pill ${props.online ? "online" : "offline"}`} data-online={String(props.online)}>
      {props.online ? "Cloud connected" : "Offline"}
    </span>
  );
}
