import { describe, expect, it } from "vitest";
import { runLimited } from "./run-limited.ts";

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

describe("runLimited", () => {
  it("runs every task once, never more than the limit at a time", async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    const tasks = Array.from({ length: 50 }, (_, i) => async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await tick();
      inFlight--;
      done.push(i);
    });
    await runLimited(tasks, 4);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(most).toBe(4);
  });

  it("rejects with a task's failure", async () => {
    const tasks = [async () => tick(), async () => Promise.reject(new Error("region answered 500")), async () => tick()];
    await expect(runLimited(tasks, 2)).rejects.toThrow("region answered 500");
  });
});
