/** A peer could not be pulled from: unreachable, refusing us, or answering nonsense. */
export class PullError extends Error {
  constructor(
    readonly peer: string,
    message: string,
  ) {
    super(`pull from ${peer} failed: ${message}`);
    this.name = "PullError";
  }
}
