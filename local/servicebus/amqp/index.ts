export { startAmqpServer, type AmqpServer, type AmqpServerOptions } from './server.js';
export type { SharedAccessKeys } from './auth.js';
