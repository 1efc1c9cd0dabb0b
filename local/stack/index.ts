export {
  startLocalServices,
  startLocalStack,
  type LocalServices,
  type LocalStack,
  type LocalStackOptions,
} from './startLocalStack.js';
