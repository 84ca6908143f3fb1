// Tests are offline: datasets come from the local mirror (../shared/datasets), caches go to a temp dir.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

process.env.EVALKIT_DATA_DIR ??= resolve(__dirname, '..', '..', 'shared', 'datasets');
process.env.EVALKIT_CACHE_DIR ??= mkdtempSync(join(tmpdir(), 'evalkit-test-cache-'));
