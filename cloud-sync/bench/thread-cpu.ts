import { readFileSync } from "node:fs";

/**
 * CPU time (user + system, ms) the main thread of this process has used, from Linux's per-thread
 * accounting: unlike wall time or event-loop busy time it does not grow when other work on the
 * machine takes the cores, so it compares code changes on a loaded machine. Undefined elsewhere.
 */
export function mainThreadCpuMs(): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
  } catch (error) {
    void error; // not Linux: the figure is left out
    return undefined;
  }
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** USER_HZ, 100 on every common Linux build. */
const CLOCK_TICKS_PER_SECOND = 100;
