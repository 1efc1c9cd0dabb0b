// The camelCase JS form of the Functions RPC data types (FunctionRpc.proto), as the host and the Node worker
// exchange them and as the worker hands them to a programming model.

export type RpcTypedData = {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  stream?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
  collectionBytes?: { bytes: Uint8Array[] } | null;
  collectionString?: { string: string[] } | null;
  collectionDouble?: { double: number[] } | null;
  collectionSint64?: { sint64: number[] } | null;
};

export type RpcNullableString = { value?: string | null };

export type RpcHttpCookie = {
  name?: string | null;
  value?: string | null;
  domain?: RpcNullableString | null;
  path?: RpcNullableString | null;
  expires?: { value?: { seconds?: number } | null } | null;
  secure?: { value?: boolean | null } | null;
  httpOnly?: { value?: boolean | null } | null;
  sameSite?: 'none' | 'lax' | 'strict' | 'explicitNone' | null;
  maxAge?: { value?: number | null } | null;
};

export type RpcHttpData = {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  nullableHeaders?: Record<string, RpcNullableString> | null;
  query?: Record<string, string> | null;
  nullableQuery?: Record<string, RpcNullableString> | null;
  params?: Record<string, string> | null;
  nullableParams?: Record<string, RpcNullableString> | null;
  body?: RpcTypedData | null;
  statusCode?: string | null;
  cookies?: RpcHttpCookie[] | null;
  enableContentNegotiation?: boolean | null;
};

export type RpcBindingInfo = {
  type?: string | null;
  direction?: 'in' | 'out' | 'inout' | null;
  dataType?: 'undefined' | 'string' | 'binary' | 'stream' | null;
  [property: string]: unknown;
};

export type RpcRetryOptions = {
  maxRetryCount?: number | null;
  delayInterval?: { seconds?: number } | null;
  minimumInterval?: { seconds?: number } | null;
  maximumInterval?: { seconds?: number } | null;
  retryStrategy?: 'exponentialBackoff' | 'fixedDelay' | null;
};

/** What the library passes to `registerFunction`. */
export type FunctionMetadata = {
  name: string;
  functionId?: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: RpcRetryOptions;
};

export type RpcParameterBinding = { name?: string | null; data?: RpcTypedData | null };

export type RpcInvocationRequest = {
  invocationId?: string | null;
  functionId?: string | null;
  inputData?: RpcParameterBinding[] | null;
  triggerMetadata?: Record<string, RpcTypedData> | null;
  traceContext?: { traceParent?: string | null; traceState?: string | null; attributes?: Record<string, string> };
  retryContext?: { retryCount?: number; maxRetryCount?: number } | null;
};

export type RpcInvocationResponse = {
  invocationId?: string | null;
  outputData?: RpcParameterBinding[] | null;
  returnValue?: RpcTypedData | null;
};

export type RpcLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';
export type RpcLogCategory = 'user' | 'system' | 'customMetric';

export type RpcException = { message?: string | null; stackTrace?: string | null; source?: string | null };

export type RpcStatusResult = {
  status: 'failure' | 'success' | 'cancelled';
  exception?: RpcException | null;
};

export type RpcLog = {
  invocationId?: string | null;
  category?: string | null;
  level: RpcLogLevel;
  message: string;
  logCategory?: RpcLogCategory | null;
};

/** A function as the worker reports it in its metadata response (worker indexing). */
export type RpcFunctionMetadata = {
  name: string;
  functionId: string;
  directory?: string | null;
  scriptFile?: string | null;
  /** Each binding as JSON with its key as `name`: the host reads only these. */
  rawBindings: string[];
  retryOptions?: RpcRetryOptions | null;
};
