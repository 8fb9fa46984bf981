import type { Behaviour } from "./settlement-wire.ts";

export const AS_RECORDED: Behaviour = { respond: "as_recorded", delayMs: 0 };

/**
 * Which behaviour the simulator applies to a terminalTxnId: its own override if set, else the
 * global default. Behaviours with `times` count down on each lookup and lapse at zero.
 */
export class BehaviourTable {
  private fallback: Behaviour = AS_RECORDED;
  private readonly overrides = new Map<string, Behaviour>();

  setDefault(b: Behaviour): void {
    this.fallback = b;
  }

  set(terminalTxnId: string, b: Behaviour): void {
    this.overrides.set(terminalTxnId, b);
  }

  /** Returns whether there was an override to remove. */
  remove(terminalTxnId: string): boolean {
    return this.overrides.delete(terminalTxnId);
  }

  reset(): void {
    this.fallback = AS_RECORDED;
    this.overrides.clear();
  }

  snapshot(): { default: Behaviour; byTerminalTxnId: Record<string, Behaviour> } {
    return { default: this.fallback, byTerminalTxnId: Object.fromEntries(this.overrides) };
  }

  /** The behaviour for one lookup of terminalTxnId, counting it against `times`. */
  take(terminalTxnId: string): Behaviour {
    const own = this.overrides.get(terminalTxnId);
    if (own !== undefined) {
      this.countDown(
        own,
        () => this.overrides.delete(terminalTxnId),
        (next) => this.overrides.set(terminalTxnId, next),
      );
      return own;
    }
    const global = this.fallback;
    this.countDown(
      global,
      () => this.setDefault(AS_RECORDED),
      (next) => this.setDefault(next),
    );
    return global;
  }

  private countDown(b: Behaviour, lapse: () => void, replace: (next: Behaviour) => void): void {
    if (b.times === undefined) return;
    if (b.times <= 1) lapse();
    else replace({ ...b, times: b.times - 1 });
  }
}
