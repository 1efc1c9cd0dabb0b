/** Calls the order API with the session token in a header (no cookies cross-site) and decodes problem+json. */
export type FieldError = { field: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly fieldErrors: FieldError[],
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

export type ApiClient = {
  baseUrl: string;
  request<T>(path: string, init?: RequestInit): Promise<T>;
};

export function createApiClient(baseUrl: string, getToken: () => string | undefined): ApiClient {
  async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
    const headers = new Headers(init.headers);
    const token = getToken();
    if (token) headers.set('X-ZUMO-AUTH', token);
    if (init.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
    const response = await fetch(`${baseUrl}${path}`, { ...init, headers, credentials: 'omit' });
    const type = response.headers.get('content-type') ?? '';
    const body: unknown = type.includes('json') ? await response.json() : await response.text();
    if (!response.ok) throw toApiError(response.status, body);
    return body as T;
  }
  return { baseUrl, request };
}

function toApiError(status: number, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null) {
    const problem = body as { title?: unknown; detail?: unknown; errors?: unknown };
    const errors = Array.isArray(problem.errors)
      ? problem.errors.filter(
          (e): e is FieldError => typeof e === 'object' && e !== null && typeof (e as FieldError).field === 'string',
        )
      : [];
    return new ApiError(
      status,
      typeof problem.title === 'string' ? problem.title : `Request failed (${status})`,
      typeof problem.detail === 'string' ? problem.detail : undefined,
      errors,
    );
  }
  return new ApiError(status, `Request failed (${status})`, typeof body === 'string' && body ? body : undefined, []);
}
