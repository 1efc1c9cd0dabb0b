// ASP.NET Core inline route constraints (Microsoft.AspNetCore.Routing.Constraints), as Functions routes use them.

export type RouteConstraint = (value: string) => boolean;

const INTEGER = /^[+-]?\d+$/;
const GUID = /^(?:\{)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}(?:\})?$/i;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

function integerIn(min: bigint, max: bigint): RouteConstraint {
  return (value) => INTEGER.test(value) && BigInt(value) >= min && BigInt(value) <= max;
}

const INT32 = integerIn(-(2n ** 31n), 2n ** 31n - 1n);
const INT64 = integerIn(-(2n ** 63n), 2n ** 63n - 1n);

function numberArg(args: string[], index: number, name: string): number {
  const text = args[index];
  if (text === undefined || !INTEGER.test(text.trim())) {
    throw new Error(`The constraint '${name}' needs integer arguments, got '${args.join(',')}'.`);
  }
  return Number(text.trim());
}

function int64Compare(test: (n: bigint) => boolean): RouteConstraint {
  return (value) => INT64(value) && test(BigInt(value));
}

/** Builds the constraint named `name` with its raw argument text (inside the parentheses), or throws. */
export function createConstraint(name: string, argText: string | undefined): RouteConstraint {
  const args = argText === undefined ? [] : argText.split(',');
  switch (name.toLowerCase()) {
    case 'int':
      return INT32;
    case 'long':
      return INT64;
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'datetime':
      return (v) => !Number.isNaN(Date.parse(v));
    case 'decimal':
    case 'double':
    case 'float':
      return (v) => NUMBER.test(v);
    case 'guid':
      return (v) => GUID.test(v);
    case 'alpha':
      return (v) => /^[a-z]*$/i.test(v);
    case 'required':
      return (v) => v !== '';
    case 'nonfile':
      return (v) => !/\.[^/]*$/.test(v);
    case 'file':
      return (v) => /\.[^/]*$/.test(v);
    case 'min': {
      const min = BigInt(numberArg(args, 0, name));
      return int64Compare((n) => n >= min);
    }
    case 'max': {
      const max = BigInt(numberArg(args, 0, name));
      return int64Compare((n) => n <= max);
    }
    case 'range': {
      const min = BigInt(numberArg(args, 0, name));
      const max = BigInt(numberArg(args, 1, name));
      return int64Compare((n) => n >= min && n <= max);
    }
    case 'minlength': {
      const min = numberArg(args, 0, name);
      return (v) => v.length >= min;
    }
    case 'maxlength': {
      const max = numberArg(args, 0, name);
      return (v) => v.length <= max;
    }
    case 'length': {
      const first = numberArg(args, 0, name);
      const last = args.length > 1 ? numberArg(args, 1, name) : first;
      return (v) => v.length >= first && v.length <= last;
    }
    case 'regex': {
      if (argText === undefined) throw new Error(`The constraint 'regex' needs a pattern.`);
      // ASP.NET uses IgnoreCase | CultureInvariant and does not anchor the pattern.
      const pattern = new RegExp(argText, 'i');
      return (v) => pattern.test(v);
    }
    default:
      throw new Error(`The constraint entry '${name}' could not be resolved by the constraint resolver.`);
  }
}
