import { DeployError } from '../core/deployError.js';

export const NAME_TAKEN = /already exists|already taken|already in use|NameNotAvailable|not available|is reserved/i;

export function nameTaken(kind: string, name: string, detail?: string): DeployError {
  return new DeployError(
    `The ${kind} name "${name}" is taken by someone else${detail ? ` (${detail})` : ''}.`,
    'Names are global in Azure: pick another --prefix.',
  );
}
