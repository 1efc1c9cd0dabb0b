import * as z from 'zod';
import { flag, limitOrUnbounded, parseSection, text } from '../shared/hostJsonSection.js';

/** `host.json` `extensions.http`, the HTTP pipeline's own settings. */
export type HttpOptions = {
  /** Default `api`; `''` means no prefix. */
  routePrefix: string;
  /** -1 = unbounded (the default). */
  maxConcurrentRequests: number;
  maxOutstandingRequests: number;
  dynamicThrottlesEnabled: boolean;
  /** Added to every function response, as the host's `customHeaders`. */
  customHeaders: Readonly<Record<string, string>>;
  /** Set in host.json; without TLS locally it changes nothing. */
  hsts: boolean;
};

const schema = z.strictObject({
  routePrefix: text.optional(),
  maxConcurrentRequests: limitOrUnbounded.optional(),
  maxOutstandingRequests: limitOrUnbounded.optional(),
  dynamicThrottlesEnabled: flag.optional(),
  hsts: z.looseObject({}).optional(),
  customHeaders: z.record(z.string(), z.string()).optional(),
});

export function parseHttpOptions(section: Record<string, unknown>, where: string): HttpOptions {
  const options = parseSection(schema, section, where);
  return {
    routePrefix: (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, ''),
    maxConcurrentRequests: options.maxConcurrentRequests ?? -1,
    maxOutstandingRequests: options.maxOutstandingRequests ?? -1,
    dynamicThrottlesEnabled: options.dynamicThrottlesEnabled ?? false,
    customHeaders: options.customHeaders ?? {},
    hsts: options.hsts !== undefined,
  };
}
