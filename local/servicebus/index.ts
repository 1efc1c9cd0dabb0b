export { ServiceBusBroker, type BrokerOptions, type EntityStats } from './broker.js';
export type { AddedEntity } from './entities.js';
export { parseServiceBusConnectionString, type ServiceBusConnection } from './connectionString.js';
export { ServiceBusError, type ServiceBusErrorCode } from './errors.js';
export type { ApplicationProperties, ReceivedMessage, SendMessage } from './message.js';
export type { MessageHandler, ProcessorOptions } from './processor.js';
export { databaseFileName } from './sqliteStore.js';
export {
  loadTopology,
  parseTopology,
  type CorrelationFilter,
  type QueueConfig,
  type RuleConfig,
  type SubscriptionConfig,
  type TopicConfig,
  type Topology,
} from './topology.js';
