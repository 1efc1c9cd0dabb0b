import type { Problem } from '../shared/problemJson.js';

/** Every error `/_local/*` answers (health, the broker view, the inspector and its actions), in one place. */
export const localProblems = {
  notLoopback: (): Problem => ({
    status: 403,
    detail: '/_local/* answers only clients on this machine (a loopback address).',
  }),
  otherOrigin: (origin: string): Problem => ({
    status: 403,
    detail: `/_local/* shows message bodies and answers only this site's own pages, not ${origin}.`,
  }),
  methodNotAllowed: (method: string, path: string, allow: readonly string[]): Problem => ({
    status: 405,
    detail:
      allow.includes('POST') && allow.length === 1
        ? `${path} is an action and takes POST only, not ${method}.`
        : `${path} is read-only and does not answer ${method}; use GET or HEAD.`,
    headers: { Allow: allow.join(', ') },
  }),
  notFound: (path: string): Problem => ({
    status: 404,
    detail: `No local endpoint at ${path}; try /_local/ (the inspector), /_local/health or /_local/servicebus.`,
  }),
  masterKeyRequired: (): Problem => ({
    status: 401,
    detail:
      "Inspector actions change state and need the host's master key in x-functions-key (it is in the start-up " +
      'banner and in .local/host/master.key).',
  }),
  notJson: (): Problem => ({
    status: 415,
    detail: 'Send the action as a JSON object with Content-Type: application/json.',
  }),
  badField: (field: string, message: string): Problem => ({
    status: 400,
    detail: `${field}: ${message}`,
    errors: [{ field, message }],
  }),
  tooLarge: (limit: number): Problem => ({ status: 413, detail: `The action's body is larger than ${limit} bytes.` }),
  unknownEntity: (entity: string): Problem => ({
    status: 404,
    detail: `The Service Bus has no entity '${entity}'.`,
    errors: [{ field: 'entity', message: 'no such queue, topic, subscription or dead-letter queue' }],
  }),
  refused: (status: number, detail: string): Problem => ({ status, detail }),
  unavailable: (what: string, why: string): Problem => ({ status: 503, detail: `${what} is not available: ${why}` }),
};

/** Thrown where a view finds the request wanting; the inspector answers with its problem. */
export class LocalProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail);
  }
}
