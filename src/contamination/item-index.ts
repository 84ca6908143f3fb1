/**
 * The benchmark side of the contamination scan: every text field of every item of the chosen task variants
 * (prompt/question and reference answer or solution: the string values of the item's data except few-shot
 * exemplars, tests and ids (NON_CONTENT_KEY), each field on its own so no n-gram spans two fields), turned into n-gram ids in a shared table. Variants that share their items
 * (e.g. the HumanEval rows) index each distinct item once.
 */
import { createHash } from 'node:crypto';
import type { TaskVariant } from '../types.js';
import type { DatasetResolver } from '../datasets/registry.js';
import { NgramTable } from './ngram-table.js';
import { ngramKeysOf } from './ngrams.js';

/** Strings longer than this (serialised test data, not text) are not indexed. */
const MAX_FIELD_CHARS = 200_000;

/**
 * Fields that are not the item's prompt or answer: few-shot exemplars shared by many items (they would make
 * every item look contaminated once one exemplar is in the data), test code and test inputs, ids and settings.
 */
const NON_CONTENT_KEY =
  /^(shots|fewshot.*|test.*|.*inputs?(json)?|.*outputs?(json)?|contract|atol|kwargs|instruction_id_list|.*ids?|entrypoint|signature|groundtruthprogram)$/;

export interface IndexedField {
  path: string;
  /** n-gram ids in order: id i covers tokens [i, i + n). */
  ids: Int32Array;
  tokens: number;
}

export interface IndexedItem {
  /** The variants and item ids this content appears under. */
  occurrences: Array<{ task: string; itemId: string }>;
  fields: IndexedField[];
  /** Tokens in fields long enough to hold an n-gram (the denominator of coverage). */
  checkableTokens: number;
}

export interface ItemIndex {
  n: number;
  table: NgramTable;
  items: IndexedItem[];
  tasks: Array<{ task: string; items: number }>;
}

function textFields(value: unknown, path: string, out: Array<{ path: string; text: string }>): void {
  if (typeof value === 'string') {
    if (value.length <= MAX_FIELD_CHARS) out.push({ path, text: value });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => textFields(v, `${path}[${i}]`, out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (NON_CONTENT_KEY.test(k.toLowerCase())) continue;
      textFields(v, path ? `${path}.${k}` : k, out);
    }
  }
}

/** Index the items of `variants` for n-grams of size `n`. */
export async function buildItemIndex(
  variants: TaskVariant[],
  n: number,
  datasets: DatasetResolver,
): Promise<ItemIndex> {
  const byContent = new Map<
    string,
    {
      occ: Array<{ task: string; itemId: string }>;
      fields: Array<{ path: string; keys: Array<[number, number]>; tokens: number }>;
    }
  >();
  const tasks: Array<{ task: string; items: number }> = [];
  let totalKeys = 0;
  for (const v of variants) {
    const { items } = await v.loadItems({ datasets, options: {} });
    tasks.push({ task: v.name, items: items.length });
    for (const item of items) {
      const fields: Array<{ path: string; text: string }> = [];
      textFields(item.data, '', fields);
      const digest = createHash('sha256').update(JSON.stringify(fields)).digest('hex');
      let entry = byContent.get(digest);
      if (!entry) {
        entry = {
          occ: [],
          fields: fields.map((f) => {
            const keys = ngramKeysOf(f.text, n);
            totalKeys += keys.length;
            return { path: f.path, keys, tokens: keys.length > 0 ? keys.length + n - 1 : 0 };
          }),
        };
        byContent.set(digest, entry);
      }
      entry.occ.push({ task: v.name, itemId: item.id });
    }
  }
  const table = NgramTable.create(totalKeys);
  const indexed: IndexedItem[] = [];
  for (const e of byContent.values()) {
    const fields: IndexedField[] = e.fields
      .filter((f) => f.keys.length > 0)
      .map((f) => ({
        path: f.path,
        tokens: f.tokens,
        ids: Int32Array.from(f.keys, ([hi, lo]) => table.intern(hi, lo)),
      }));
    indexed.push({
      occurrences: e.occ,
      fields,
      checkableTokens: fields.reduce((s, f) => s + f.tokens, 0),
    });
  }
  return { n, table, items: indexed, tasks };
}

/**
 * Share of the item's checkable tokens covered by at least one n-gram seen in the training data
 * (the token-level measure of the Llama 2 contamination analysis), and the id of the first seen n-gram.
 */
export function itemCoverage(
  item: IndexedItem,
  n: number,
  table: NgramTable,
): { coverage: number; covered: number; firstSeen: number } {
  let covered = 0;
  let firstSeen = -1;
  for (const f of item.fields) {
    const mark = new Uint8Array(f.tokens);
    for (let i = 0; i < f.ids.length; i++) {
      const id = f.ids[i]!;
      if (table.matched[id] === 1) {
        if (firstSeen < 0) firstSeen = id;
        mark.fill(1, i, i + n);
      }
    }
    for (const m of mark) covered += m;
  }
  return { coverage: item.checkableTokens ? covered / item.checkableTokens : 0, covered, firstSeen };
}
