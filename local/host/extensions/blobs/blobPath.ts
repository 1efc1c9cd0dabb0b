/** A blob path `container/name`, split; the container is everything before the first '/'. */
export function splitBlobPath(path: string, where: string): { container: string; blob: string } {
  const at = path.indexOf('/');
  const container = at < 0 ? path : path.slice(0, at);
  const blob = at < 0 ? '' : path.slice(at + 1);
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(container) && container !== '$root') {
    throw new Error(`${where}: '${container}' in the path '${path}' is not a valid container name.`);
  }
  if (blob === '') throw new Error(`${where}: the path '${path}' names no blob (use 'container/name').`);
  return { container, blob };
}

/**
 * A blob trigger's path pattern (`samples/{name}.{ext}`): the container, and a matcher for blob names that
 * returns the `{…}` captures. Each capture takes as little as it can, the last one the rest, as the host's
 * pattern matching does; `{{` and `}}` are literal braces.
 */
export function blobPattern(
  path: string,
  where: string,
): { container: string; prefix: string; match(name: string): Record<string, string> | undefined } {
  const { container, blob } = splitBlobPath(path, where);
  const names: string[] = [];
  let source = '';
  let prefix = '';
  let literalSoFar = true;
  for (const token of blob.split(/(\{\{|\}\}|\{[^{}]+\})/).filter((t) => t !== '')) {
    if (token === '{{' || token === '}}' || !token.startsWith('{')) {
      const literal = token === '{{' ? '{' : token === '}}' ? '}' : token;
      source += literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (literalSoFar) prefix += literal;
      continue;
    }
    literalSoFar = false;
    names.push(token.slice(1, -1).trim());
    source += '(.*?)';
  }
  const lastLazy = source.lastIndexOf('(.*?)');
  if (lastLazy >= 0 && lastLazy + 5 === source.length) source = `${source.slice(0, lastLazy)}(.*)`;
  const regex = new RegExp(`^${source}$`, 's');
  return {
    container,
    prefix,
    match(name) {
      const found = regex.exec(name);
      if (!found) return undefined;
      return Object.fromEntries(names.map((n, i) => [n, found[i + 1] ?? '']));
    },
  };
}
