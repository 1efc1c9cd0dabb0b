// The JSON the inspector's endpoints send: the span store's own records. Type-only, so nothing of the server
// is bundled into the page.
import type { StoredLog, StoredTrace } from '../../local/telemetry/records.js';

export type {
  StoredAttributes as Attributes,
  StoredSpan as Span,
  StoredLog as Log,
  StoredTrace as Trace,
  StoreBatch as Batch,
} from '../../local/telemetry/records.js';

export type Snapshot = { traces: StoredTrace[]; looseLogs: StoredLog[] };
