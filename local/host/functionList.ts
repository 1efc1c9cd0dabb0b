import type { FunctionInfo } from './core/functionIndex.js';

/** The `Functions:` block `func start` prints: HTTP functions with methods and URL, others with their trigger type. */
export function formatFunctionList(functions: FunctionInfo[], port: number, routePrefix: string): string {
  const lines = ['', 'Functions:', ''];
  for (const fn of functions) {
    if (fn.disabled) {
      lines.push(`Function ${fn.name} is disabled.`, '');
    } else if (fn.http) {
      const methods = fn.http.methods ? `[${fn.http.methods.join(',')}] ` : '';
      const prefix = routePrefix ? `${routePrefix}/` : '';
      lines.push(`\t${fn.name}: ${methods}http://localhost:${port}/${prefix}${fn.http.route.replace(/^\/+/, '')}`, '');
    } else {
      lines.push(`\t${fn.name}: ${fn.trigger.type}`, '');
    }
  }
  return lines.join('\n');
}
