import { createInterface } from 'node:readline/promises';
import { DeployError } from './deployError.js';

/** Asks the person running the deployment a question and returns the line they typed. */
export type Ask = (question: string) => Promise<string>;

/** A yes/no question; `--yes` answers yes without asking (CI). */
export type Confirm = (question: string) => Promise<boolean>;

/** Questions on a terminal; without one (CI, a pipe) there is nobody to ask, so `--yes` is required. */
export function terminalAsk(input: NodeJS.ReadStream, output: NodeJS.WriteStream): Ask {
  return async (question) => {
    if (!input.isTTY) {
      throw new DeployError(
        `A confirmation is needed ("${question}") but there is no terminal to ask on.`,
        'Pass --yes to proceed without asking (as in CI), or --what-if to only see what would change.',
      );
    }
    const prompt = createInterface({ input, output });
    try {
      return (await prompt.question(`${question} `)).trim();
    } finally {
      prompt.close();
    }
  };
}

export function confirmer(ask: Ask, yes: boolean): Confirm {
  if (yes) return () => Promise.resolve(true);
  return async (question) => /^y(es)?$/i.test(await ask(`${question} [y/N]`));
}
