// Azurite ships no type declarations; these cover the part of its programmatic blob and queue API we use.
declare module 'azurite/dist/src/blob/BlobConfiguration.js' {
  export default class BlobConfiguration {
    constructor(
      host?: string,
      port?: number,
      keepAliveTimeout?: number,
      metadataDBPath?: string,
      extentDBPath?: string,
      persistencePathArray?: { locationId: string; locationPath: string; maxConcurrency: number }[],
      enableAccessLog?: boolean,
      accessLogWriteStream?: NodeJS.WritableStream,
      enableDebugLog?: boolean,
      debugLogFilePath?: string,
      loose?: boolean,
      skipApiVersionCheck?: boolean,
      cert?: string,
      key?: string,
      pwd?: string,
      oauth?: string,
      disableProductStyleUrl?: boolean,
      isMemoryPersistence?: boolean,
    );
  }
}

declare module 'azurite/dist/src/queue/QueueConfiguration.js' {
  export { default } from 'azurite/dist/src/blob/BlobConfiguration.js';
}

declare module 'azurite/dist/src/blob/BlobServer.js' {
  import type BlobConfiguration from 'azurite/dist/src/blob/BlobConfiguration.js';
  export default class BlobServer {
    constructor(configuration: BlobConfiguration);
    start(): Promise<void>;
    close(): Promise<void>;
    getHttpServerAddress(): string;
  }
}

declare module 'azurite/dist/src/queue/QueueServer.js' {
  import type BlobConfiguration from 'azurite/dist/src/blob/BlobConfiguration.js';
  export default class QueueServer {
    constructor(configuration: BlobConfiguration);
    start(): Promise<void>;
    close(): Promise<void>;
    getHttpServerAddress(): string;
  }
}
