/**
 * A request the register API understood but will not carry out, with a reason a cashier can act
 * on. Nothing is recorded when one is thrown: it aborts the recording transaction.
 */
export class RegisterRefusal extends Error {
  constructor(
    readonly status: 403 | 404 | 409 | 422,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "RegisterRefusal";
  }
}
