/**
 * Stub servers and providers for provider tests, closed after each test (register with `useCleanups()`
 * once per test file).
 */
import { afterEach } from 'vitest';
import {
  OpenAICompatibleProvider,
  type OpenAICompatibleOptions,
} from '../../src/models/openai-compatible.js';
import {
  startStubServer,
  type StubServer,
  type StubServerOptions,
} from '../../src/testing/openai-stub-server.js';

const cleanups: Array<() => Promise<void>> = [];

export function useCleanups(): void {
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
}

export async function stub(o: StubServerOptions = {}): Promise<StubServer> {
  const s = await startStubServer(o);
  cleanups.push(() => s.close());
  return s;
}

/** A provider with short test backoffs; `defaults` are overridden by `o`. */
export async function provider(
  o: OpenAICompatibleOptions,
  defaults: Partial<OpenAICompatibleOptions> = {},
): Promise<OpenAICompatibleProvider> {
  const p = await OpenAICompatibleProvider.create({ backoff: { baseMs: 5, maxMs: 20 }, ...defaults, ...o });
  cleanups.push(() => p.close());
  return p;
}
