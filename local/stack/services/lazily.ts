/** A part started the first time something asks for it, and stopped only if it was. */
export type Lazy<T> = {
  start(): Promise<T>;
  /** The started part, once it is up. */
  readonly current: T | undefined;
  stop(): Promise<void>;
};

/** A start that failed (a port taken, say) is tried afresh by the next ask, as after a reload. */
export function lazily<T>(start: () => Promise<T>, stop: (part: T) => Promise<void>): Lazy<T> {
  let starting: Promise<T> | undefined;
  let current: T | undefined;
  return {
    start() {
      starting ??= start().then(
        (part) => (current = part),
        (error: unknown) => {
          starting = undefined;
          throw error;
        },
      );
      return starting;
    },
    get current() {
      return current;
    },
    async stop() {
      const part = await starting?.catch(() => undefined);
      starting = undefined;
      current = undefined;
      if (part !== undefined) await stop(part);
    },
  };
}
