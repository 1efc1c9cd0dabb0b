// Azurite ships no type declarations; these cover the part of its programmatic table, blob and queue API we use.
declare module 'azurite/dist/src/common/ServerBase.js' {
  /** What every Azurite service's server has: TableServer, BlobServer and QueueServer all extend it. */
  export default abstract class ServerBase {
    start(): Promise<void>;
    close(): Promise<void>;
    /** `http://host:port` of the bound socket (the real port when configured with 0). */
    getHttpServerAddress(): string;
  }
}

declare module 'azurite/dist/src/table/TableConfiguration.js' {
  export default class TableConfiguration {
    constructor(
      host?: string,
      port?: number,
      keepAliveTimeout?: number,
      metadataDBPath?: string,
      enableDebugLog?: boolean,
      enableAccessLog?: boolean,
      accessLogWriteStream?: NodeJS.WritableStream,
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
  // The queue service's configuration takes the blob service's arguments, in the same order.
  export { default } from 'azurite/dist/src/blob/BlobConfiguration.js';
}

declare module 'azurite/dist/src/table/TableServer.js' {
  import ServerBase from 'azurite/dist/src/common/ServerBase.js';
  import type TableConfiguration from 'azurite/dist/src/table/TableConfiguration.js';
  export default class TableServer extends ServerBase {
    constructor(configuration: TableConfiguration);
  }
}

declare module 'azurite/dist/src/blob/BlobServer.js' {
  import ServerBase from 'azurite/dist/src/common/ServerBase.js';
  import type BlobConfiguration from 'azurite/dist/src/blob/BlobConfiguration.js';
  export default class BlobServer extends ServerBase {
    constructor(configuration: BlobConfiguration);
  }
}

declare module 'azurite/dist/src/queue/QueueServer.js' {
  import ServerBase from 'azurite/dist/src/common/ServerBase.js';
  import type BlobConfiguration from 'azurite/dist/src/blob/BlobConfiguration.js';
  export default class QueueServer extends ServerBase {
    constructor(configuration: BlobConfiguration);
  }
}
