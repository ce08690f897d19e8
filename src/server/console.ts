/**
 * The web console's static files at `/console` (docs/adr/0033-web-console.md). The console is a single-page app
 * built by Vite into `console/dist` (`npm run build:console`, run by `npm run build`); this module serves those
 * files with GET, outside the AWS APIs. It is a module of REST routes like the operations endpoints
 * (./metrics.ts), so it passes the same pipeline; its routes carry the `publicAsset` trait because the page must
 * load before the user has entered credentials: every API call the page then makes is signed and authorized as
 * any SDK's is. The files are read once at start-up (a few hundred KiB); hashed asset names make them cacheable.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RestResponse, RestRoute, ServiceModule } from '../protocol/index.js';
import { OPS_SERVICE } from './metrics.js';

/** Where the console is served. */
export const CONSOLE_PATH = '/console';

/** `console/dist` of this package (this file is `dist/src/server/console.js` once built). */
export const CONSOLE_BUILD_DIR = fileURLToPath(new URL('../../../console/dist/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * The page may load scripts, styles and images only from this server and talk only to it (`connect-src 'self'`:
 * the console has no back door and no third party).
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat();
}

function fileRoute(path: string, body: Buffer, headers: Record<string, string>): RestRoute {
  return {
    method: 'GET',
    path,
    service: OPS_SERVICE,
    operation: 'GetConsoleAsset',
    traits: { resource: { kind: 'account' }, publicAsset: true },
    async handle(): Promise<RestResponse> {
      return { status: 200, headers: { ...SECURITY_HEADERS, ...headers }, body };
    },
  };
}

/**
 * The console's routes: `/console` and `/console/` answer `index.html`, every other built file its own path.
 * Without a build (`console/dist` missing) `/console` answers 404 with how to build it.
 */
export async function consoleModule(buildDir: string = CONSOLE_BUILD_DIR): Promise<ServiceModule> {
  const routes: RestRoute[] = [];
  const built = await stat(join(buildDir, 'index.html')).then(
    (s) => s.isFile(),
    () => false,
  );
  if (built) {
    for (const file of await filesUnder(buildDir)) {
      const rel = relative(buildDir, file).split(sep).join('/');
      const body = await readFile(file);
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      // Vite names assets by content hash: they never change under a name. index.html names them, so it is
      // revalidated on every load.
      const cache = rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      const headers = { 'content-type': type, 'cache-control': cache };
      if (rel === 'index.html') {
        routes.push(fileRoute(CONSOLE_PATH, body, headers), fileRoute(`${CONSOLE_PATH}/`, body, headers));
      } else {
        routes.push(fileRoute(`${CONSOLE_PATH}/${rel}`, body, headers));
      }
    }
  } else {
    const body = Buffer.from('The web console is not built: run `npm run build:console` (npm start does it).\n');
    routes.push({
      ...fileRoute(CONSOLE_PATH, body, { 'content-type': 'text/plain; charset=utf-8' }),
      async handle() {
        return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
      },
    });
  }
  return { name: 'console', title: 'Tributary web console', routes, async close() {} };
}
