// A stand-in for a company portal: serves the example host page on each port given, so the
// embedding tests have several loopback origins (allowed, framing-only, not allowed).
//   node host/serve.mjs 3110 3111 3112
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const files = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/host.js': ['host.js', 'text/javascript; charset=utf-8'],
  '/healthz': [null, 'text/plain'],
};

for (const port of process.argv.slice(2).map(Number)) {
  createServer(async (request, response) => {
    const [file, type] = files[new URL(request.url, 'http://host').pathname] ?? [];
    if (!type) {
      response.writeHead(404).end('not found');
      return;
    }
    const body = file ? await readFile(join(here, file)) : 'ok';
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  }).listen(port, '127.0.0.1');
}
