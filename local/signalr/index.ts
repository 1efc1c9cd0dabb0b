export { startSignalRService, type SignalRService, type SignalRServiceOptions } from './service.js';
export type { SignalRServiceStats } from './serviceCore.js';
export {
  localSignalR,
  parseSignalRConnectionString,
  SignalRConnectionStringError,
  type SignalRConnectionSettings,
} from './connectionString.js';
export {
  clientUrl,
  mintClientAccessToken,
  type ClientAccessTokenOptions,
  type SignalRConnectionInfo,
} from './accessTokens.js';
export { computeUpstreamSignature, verifyUpstreamSignature } from './upstreamSignature.js';
export {
  createSignalRRestClient,
  SignalRRestError,
  type SignalRMessage,
  type SignalRRestClient,
} from './restClient.js';
export { sendSignalROutput, SignalROutputError } from './signalROutput.js';
