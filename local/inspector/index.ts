// The inspector at /_local/ on the Functions host: the page (built from inspector/ into inspector/dist), its
// read-only views of the traces, functions, broker, SignalR connections and tables, live events, and the
// Service Bus actions that need the master key.
export { createInspector, type InspectorDeps, type InspectorHandler } from './inspectorApi.js';
export { localRefusal } from './guard.js';
export { LocalProblemError, localProblems } from './localProblems.js';
