/**
 * Runs the tasks with at most `limit` in flight at once; rejects with the first failure once the
 * tasks in flight have settled. Thousands of requests started at once against one region (a
 * credential per register of a fleet) queue behind each other until the last ones time out.
 */
export async function runLimited(tasks: ReadonlyArray<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
