export { startLocalStack, type LocalStack, type LocalStackOptions } from './startLocalStack.js';
