/**
 * Environment recipes: what a Debian root filesystem is built from. A recipe is hashed (canonical JSON of every
 * field that changes the bytes of the rootfs) into a content address; the rootfs is built once per address and
 * reused read-only by every command that runs in it.
 */
import { createHash } from 'node:crypto';

/** Bump when the build procedure changes in a way that changes the rootfs bytes for the same recipe. */
export const RECIPE_FORMAT = 1;

export interface AptPreference {
  package: string;
  release: string;
  priority: number;
}

export interface EnvironmentRecipe {
  /** Human-readable name, e.g. "bookworm-py311-flask" (not part of the hash). */
  name: string;
  /** Debian suite for mmdebstrap, e.g. "bookworm". */
  suite: string;
  /** Packages installed on top of the apt variant (`--include`). */
  packages: string[];
  /** Replacement apt sources lines (default: mmdebstrap's default mirror for the suite). */
  sources?: string[];
  /** apt pin preferences written before packages are installed. */
  preferences?: AptPreference[];
  /** mmdebstrap `--customize-hook` commands (run after install; `$1` is the rootfs). */
  customize?: string[];
}

/** The fields that determine the built bytes, in a fixed key order. */
function canonical(r: EnvironmentRecipe): unknown {
  return {
    format: RECIPE_FORMAT,
    suite: r.suite,
    packages: [...r.packages].sort(),
    sources: r.sources ?? null,
    preferences: r.preferences ?? null,
    customize: r.customize ?? null,
  };
}

/** 16 hex digits of sha256 over the canonical recipe: the environment's content address. */
export function recipeKey(r: EnvironmentRecipe): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(r)))
    .digest('hex')
    .slice(0, 16);
}

/** `Explanation:/Package:/Pin:/Pin-Priority:` stanzas for /etc/apt/preferences.d. */
export function preferencesText(prefs: AptPreference[]): string {
  return prefs
    .map((p) => `Package: ${p.package}\nPin: release n=${p.release}\nPin-Priority: ${p.priority}\n`)
    .join('\n');
}
