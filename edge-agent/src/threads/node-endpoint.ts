import type { MessagePort, Worker } from "node:worker_threads";
import type { Endpoint } from "comlink";

type Listener = EventListenerOrEventListenerObject;

/**
 * comlink speaks the browser's MessagePort API; Node's worker ports use EventEmitter. This is
 * comlink's own node adapter (dist/esm/node-adapter.mjs ships without type declarations), typed.
 */
export function nodeEndpoint(port: MessagePort | Worker): Endpoint {
  const listeners = new WeakMap<Listener, (data: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: Transferable[]) => port.postMessage(message, transfer as never),
    addEventListener: (_type: string, listener: Listener) => {
      const wrapped = (data: unknown) => {
        if ("handleEvent" in listener) listener.handleEvent({ data } as MessageEvent);
        else listener({ data } as MessageEvent);
      };
      port.on("message", wrapped);
      listeners.set(listener, wrapped);
    },
    removeEventListener: (_type: string, listener: Listener) => {
      const wrapped = listeners.get(listener);
      if (!wrapped) return;
      port.off("message", wrapped);
      listeners.delete(listener);
    },
    start: () => {
      // Node ports deliver as soon as a listener is attached.
    },
  };
}
