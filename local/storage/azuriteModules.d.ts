// Azurite ships no type declarations; these cover the part of its programmatic table API we use.
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

declare module 'azurite/dist/src/table/TableServer.js' {
  import type TableConfiguration from 'azurite/dist/src/table/TableConfiguration.js';
  export default class TableServer {
    constructor(configuration: TableConfiguration);
    start(): Promise<void>;
    close(): Promise<void>;
    /** `http://host:port` of the bound socket (the real port when configured with 0). */
    getHttpServerAddress(): string;
  }
}
