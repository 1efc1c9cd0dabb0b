import type { FunctionError, FunctionInfo } from './functionIndex.js';

/**
 * One load's functions in error: their messages by name, ignoring case as the host's `FunctionErrors` does, and
 * those that passed metadata validation, which the admin API still lists though they never run.
 */
export class FunctionErrors {
  readonly #messages = new Map<string, string[]>();
  readonly #indexed: FunctionInfo[] = [];

  add({ name, message, function: fn }: FunctionError): void {
    const key = name.toLowerCase();
    const messages = this.#messages.get(key) ?? [];
    // A set, as the host's: the same error twice is one.
    if (!messages.includes(message)) messages.push(message);
    this.#messages.set(key, messages);
    if (fn && !this.#indexed.includes(fn)) this.#indexed.push(fn);
  }

  /** The errors of the function named `name`, ignoring case; undefined when it has none. */
  messages(name: string): readonly string[] | undefined {
    return this.#messages.get(name.toLowerCase());
  }

  get indexed(): readonly FunctionInfo[] {
    return this.#indexed;
  }
}
