import { createConstraint, type RouteConstraint } from './routeConstraints.js';

type Parameter = {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue: string | undefined;
  constraints: RouteConstraint[];
};

export type RouteTemplate = {
  readonly template: string;
  /** Route values for a decoded request path (without leading slash), or undefined when it does not match. */
  match(path: string): Record<string, string> | undefined;
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Parses `name:c1(arg):c2=default` / `name?` / `*name` (the text between the braces). */
function parseParameter(rawText: string, template: string): Parameter {
  const text = rawText.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
  let rest = text;
  const catchAll = rest.startsWith('*');
  if (catchAll) rest = rest.replace(/^\*{1,2}/, '');
  const nameMatch = /^[^:=?]+/.exec(rest);
  if (!nameMatch) throw new Error(`The route template '${template}' has a parameter with no name: '{${text}}'.`);
  const name = nameMatch[0];
  rest = rest.slice(name.length);
  const constraints: RouteConstraint[] = [];
  while (rest.startsWith(':')) {
    const constraintName = /^:([A-Za-z]+)/.exec(rest)?.[1];
    if (!constraintName) throw new Error(`The route template '${template}' has an empty constraint in '{${text}}'.`);
    rest = rest.slice(constraintName.length + 1);
    let argText: string | undefined;
    if (rest.startsWith('(')) {
      // The argument ends at the ')' that is followed by another constraint, a default, '?' or the end.
      let end = -1;
      for (let i = 1; i < rest.length; i++) {
        if (rest[i] === ')' && (i === rest.length - 1 || ':=?'.includes(rest[i + 1] ?? ''))) {
          end = i;
          break;
        }
      }
      if (end < 0) throw new Error(`The route template '${template}' has an unclosed constraint argument.`);
      argText = rest.slice(1, end);
      rest = rest.slice(end + 1);
    }
    constraints.push(createConstraint(constraintName, argText));
  }
  let optional = false;
  let defaultValue: string | undefined;
  if (rest.startsWith('=')) {
    defaultValue = rest.slice(1);
    rest = '';
  } else if (rest === '?') {
    optional = true;
    rest = '';
  }
  if (rest !== '') throw new Error(`The route template '${template}' has an invalid parameter '{${text}}'.`);
  if (catchAll && optional) throw new Error(`A catch-all parameter cannot be marked optional ('{${text}}').`);
  return { name, optional: optional || catchAll, catchAll, defaultValue, constraints };
}

/** Splits one path segment into literal text and `{parameter}` parts (`{{`/`}}` escape braces). */
function splitSegment(segment: string, template: string): (string | Parameter)[] {
  const parts: (string | Parameter)[] = [];
  let literal = '';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i];
    if (ch === '{' && segment[i + 1] === '{') {
      literal += '{';
      i++;
    } else if (ch === '}' && segment[i + 1] === '}') {
      literal += '}';
      i++;
    } else if (ch === '{') {
      let depth = 1;
      let j = i + 1;
      for (; j < segment.length && depth > 0; j++) {
        if (segment[j] === '{') depth++;
        else if (segment[j] === '}') depth--;
      }
      if (depth !== 0) throw new Error(`The route template '${template}' has an unclosed '{'.`);
      if (literal) parts.push(literal);
      literal = '';
      parts.push(parseParameter(segment.slice(i + 1, j - 1), template));
      i = j - 1;
    } else if (ch === '}') {
      throw new Error(`The route template '${template}' has an unmatched '}'.`);
    } else {
      literal += ch;
    }
  }
  if (literal) parts.push(literal);
  return parts;
}

/**
 * Compiles an ASP.NET Core route template: literal segments, `{p}`, `{p?}`, `{p=default}`, `{*p}`, inline
 * constraints, complex segments such as `{name}.{ext}`. Matching is case-insensitive and ignores one trailing slash.
 */
export function compileRouteTemplate(template: string): RouteTemplate {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  const segments = trimmed === '' ? [] : trimmed.split('/');
  const parameters: Parameter[] = [];
  let pattern = '^';
  segments.forEach((segment, index) => {
    if (segment === '') throw new Error(`The route template '${template}' has an empty segment.`);
    const parts = splitSegment(segment, template);
    const isLast = index === segments.length - 1;
    const only = parts.length === 1 && typeof parts[0] !== 'string' ? parts[0] : undefined;
    const separator = index === 0 ? '' : '/';
    if (only && (only.optional || only.defaultValue !== undefined)) {
      if (!isLast) throw new Error(`In the route template '${template}', an optional parameter must be last.`);
      parameters.push(only);
      const body = only.catchAll ? '.*' : '[^/]+';
      pattern += `(?:${escapeRegExp(separator)}(?<p${parameters.length - 1}>${body}))?`;
      return;
    }
    pattern += escapeRegExp(separator);
    for (const part of parts) {
      if (typeof part === 'string') {
        pattern += escapeRegExp(part);
      } else {
        if (part.catchAll && !isLast) throw new Error(`A catch-all parameter must be last in '${template}'.`);
        parameters.push(part);
        pattern += `(?<p${parameters.length - 1}>${part.catchAll ? '.*' : parts.length > 1 ? '[^/]+?' : '[^/]+'})`;
      }
    }
  });
  pattern += '/?$';
  const names = new Set<string>();
  for (const p of parameters) {
    const key = p.name.toLowerCase();
    if (names.has(key))
      throw new Error(`The route parameter name '${p.name}' appears more than one time in '${template}'.`);
    names.add(key);
  }
  const regex = new RegExp(pattern, 'i');
  return {
    template,
    match(path) {
      const m = regex.exec(path.replace(/^\/+/, ''));
      if (!m) return undefined;
      const values: Record<string, string> = {};
      for (const [i, p] of parameters.entries()) {
        const captured = m.groups?.[`p${i}`];
        const value = captured === undefined || captured === '' ? p.defaultValue : captured;
        if (value === undefined) continue;
        if (!p.constraints.every((c) => c(value))) return undefined;
        values[p.name] = value;
      }
      return values;
    },
  };
}
