// The JSON the inspector's endpoints send (see local/telemetry/spanStore.ts and local/inspector).

export type Attributes = Record<string, string | number | boolean | (string | number | boolean | null)[]>;

export type Span = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  service: string;
  startMs: number;
  endMs: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage?: string;
  attributes: Attributes;
  events: { name: string; timeMs: number; attributes: Attributes }[];
  links: { traceId: string; spanId: string }[];
};

export type Log = {
  timeMs: number;
  traceId?: string;
  spanId?: string;
  level: string;
  category: string;
  message: string;
  invocationId?: string;
};

export type Trace = { traceId: string; spans: Span[]; logs: Log[] };

export type Snapshot = { traces: Trace[]; looseLogs: Log[] };
export type Batch = { spans: Span[]; logs: Log[] };
