/** A failure the user can act on: printed as `error: <message>` plus an optional hint, without a stack. */
export class DeployError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
