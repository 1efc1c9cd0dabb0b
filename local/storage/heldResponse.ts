import type { ServerResponse } from 'node:http';

type Write = Parameters<ServerResponse['write']>;
type End = unknown[];

export type HeldResponse = {
  /** Sends what the handler wrote, as it wrote it. */
  send(): void;
  /** Drops what the handler wrote and gives the response back, to be answered otherwise. */
  release(): void;
};

/**
 * Keeps everything a handler writes to `res` in memory instead of on the socket, until `whenEnded` (called at
 * the handler's first `end`) sends or releases it: nothing of the answer, not even its status line, leaves
 * before that.
 */
export function holdResponse(res: ServerResponse, whenEnded: (held: HeldResponse) => void): void {
  const write = res.write.bind(res) as (...args: Write) => boolean;
  const end = res.end.bind(res) as (...args: End) => ServerResponse;
  const writes: Write[] = [];
  let ended = false;
  const release = () => {
    res.write = write as ServerResponse['write'];
    res.end = end as ServerResponse['end'];
  };
  res.write = ((...args: Write) => {
    writes.push(args);
    return true;
  }) as ServerResponse['write'];
  res.end = ((...args: End) => {
    // A piped body ends the response, and Azurite's last middleware ends it again: the first end counts.
    if (ended) return res;
    ended = true;
    whenEnded({
      send() {
        release();
        for (const chunk of writes) write(...chunk);
        end(...args);
      },
      release,
    });
    return res;
  }) as ServerResponse['end'];
}
