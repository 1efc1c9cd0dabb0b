import type { ServerResponse } from 'node:http';

const PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Azure Functions</title></head>
<body><h1>Your Functions app is up and running</h1>
<p>Served by the order-notifications local Functions host.</p></body></html>
`;

/** `GET /`: the host's landing page, or 204 when AzureWebJobsDisableHomepage=true. */
export function serveHomepage(res: ServerResponse, disabled: boolean): void {
  if (disabled) {
    res.writeHead(204).end();
    return;
  }
  const body = Buffer.from(PAGE);
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
  res.end(body);
}
