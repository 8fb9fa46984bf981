import { readdirSync, readFileSync } from "node:fs";

/** USER_HZ, 100 on every common Linux build. */
const CLOCK_TICKS_PER_SECOND = 100;

/** user + system CPU ms from a /proc stat line (fields after the command name, which may hold spaces). */
function cpuMsOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** A /proc file, or undefined when it is not there (not Linux, or the process or thread has ended). */
function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    void error; // gone or not Linux: left out of the figures
    return undefined;
  }
}

/**
 * CPU time (user + system, ms) the main thread of this process has used, from Linux's per-thread
 * accounting: unlike wall time or event-loop busy time it does not grow when other work on the
 * machine takes the cores, so it compares code changes on a loaded machine. Undefined elsewhere.
 */
export function mainThreadCpuMs(): number | undefined {
  const stat = readProc(`/proc/self/task/${process.pid}/stat`);
  return stat === undefined ? undefined : cpuMsOfStat(stat);
}

/** CPU ms of each thread of this process, by thread id. */
export function threadCpuMs(): Map<number, number> {
  const threads = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
    const stat = readProc(`/proc/${process.pid}/task/${tid}/stat`);
    if (stat !== undefined) threads.set(Number(tid), cpuMsOfStat(stat));
  }
  return threads;
}

/** CPU ms of every `postgres` process on the machine (the server and its backends), summed. */
export function postgresCpuMs(): number {
  let total = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = readProc(`/proc/${pid}/stat`);
    if (stat?.includes("(postgres)")) total += cpuMsOfStat(stat);
  }
  return total;
}
