import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The compiled worker script. Worker threads need JavaScript: when this module runs from the TypeScript
 * sources (tests), the built copy under dist/ is used (`npm test` builds first).
 */
export function workerScriptPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, 'scan-worker.js');
  if (existsSync(sibling)) return sibling;
  const built = resolve(here, '..', '..', 'dist', 'contamination', 'scan-worker.js');
  if (existsSync(built)) return built;
  throw new Error(`contamination worker script not found (${sibling}); run \`npm run build\``);
}
