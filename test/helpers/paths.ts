import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const SHARED_DIR = resolve(REPO_ROOT, '..', 'shared');
export const SHARED_DATASETS = resolve(SHARED_DIR, 'datasets');
export const SHARED_REFERENCE = resolve(SHARED_DIR, 'reference');
export const hasSharedData = existsSync(SHARED_DATASETS);
export const hasSharedReference = existsSync(SHARED_REFERENCE);
