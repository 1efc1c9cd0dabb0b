import {
  loadTopology as loadBrokerTopology,
  type SubscriptionConfig,
  type TopicConfig,
  type Topology,
} from '../../local/servicebus/index.js';
import { DeployError } from '../core/deployError.js';

export type { Topology };

/**
 * The Service Bus topology in the official emulator's Config.json shape, parsed by the same code the local broker
 * uses, so Azure gets exactly the entities, defaults and limits the app runs with locally.
 */
export function loadTopology(file: string): Topology {
  let topology: Topology;
  try {
    topology = loadBrokerTopology(file);
  } catch (error) {
    throw new DeployError(`The Service Bus topology is not usable: ${(error as Error).message}`);
  }
  // The app uses one topic; queues and filter rules have no role assignments or bindings here, so refuse them
  // rather than deploy something half-configured.
  if (topology.queues.length > 0) {
    throw new DeployError(`${file}: Queues are not deployed by infra/ (the app uses topics only)`);
  }
  for (const topic of topology.topics) {
    for (const subscription of topic.subscriptions) {
      if (subscription.rules.length > 0) {
        throw new DeployError(
          `${file}: subscription ${topic.name}/${subscription.name} has Rules, which infra/ does not deploy`,
          'Remove the rules or add them with `az servicebus topic subscription rule create`.',
        );
      }
    }
  }
  return topology;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Milliseconds as the ISO-8601 duration the CLI takes: 3600000 → `PT1H`, 90000 → `PT1M30S`. */
export function isoDuration(ms: number): string {
  const days = Math.floor(ms / DAY);
  const hours = Math.floor((ms % DAY) / HOUR);
  const minutes = Math.floor((ms % HOUR) / MINUTE);
  const seconds = (ms % MINUTE) / SECOND;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
  if (!days && !time) return 'PT0S';
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/** `az servicebus topic create` flags for every property the topology file can hold. */
export function topicPropertyArgs(topic: TopicConfig): string[] {
  return [
    '--default-message-time-to-live',
    isoDuration(topic.defaultMessageTimeToLiveMs),
    '--enable-duplicate-detection',
    String(topic.requiresDuplicateDetection),
    '--duplicate-detection-history-time-window',
    isoDuration(topic.duplicateDetectionHistoryTimeWindowMs),
  ];
}

/**
 * `az servicebus topic subscription create` flags for every property the topology file can hold. Sessions and
 * forwarding are refused when the file is read (the local broker does not emulate them), so they are always off.
 */
export function subscriptionPropertyArgs(subscription: SubscriptionConfig): string[] {
  return [
    '--max-delivery-count',
    String(subscription.maxDeliveryCount),
    '--lock-duration',
    isoDuration(subscription.lockDurationMs),
    '--default-message-time-to-live',
    isoDuration(subscription.defaultMessageTimeToLiveMs),
    '--enable-dead-lettering-on-message-expiration',
    String(subscription.deadLetteringOnMessageExpiration),
    '--enable-session',
    'false',
  ];
}

const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const TIME_SPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/;

/**
 * Milliseconds of a duration as Azure answers it: ISO-8601 (`PT1H`, `P14D`) or a .NET TimeSpan (`1.00:00:00`,
 * `00:05:00`); undefined if it is neither.
 */
export function parseDuration(text: string): number | undefined {
  const iso = ISO_DURATION.exec(text);
  if (iso && text !== 'P' && text !== 'PT') {
    const [days, hours, minutes, seconds] = iso.slice(1).map((part) => Number(part ?? 0));
    return Math.round((((days! * 24 + hours!) * 60 + minutes!) * 60 + seconds!) * SECOND);
  }
  const span = TIME_SPAN.exec(text);
  if (span) {
    const [days, hours, minutes, seconds] = span.slice(1).map((part) => Number(part ?? 0));
    return Math.round((((days! * 24 + hours!) * 60 + minutes!) * 60 + seconds!) * SECOND);
  }
  return undefined;
}
