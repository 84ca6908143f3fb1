/**
 * Final-answer extraction from free-form chain-of-thought (chat variants). Order:
 *   1. the last `\boxed{…}` (nested braces; what the chat prompts ask for);
 *   2. "final answer is X" / "answer: X" / "#### X" (last occurrence);
 *   3. for numeric tasks only: the last number in the text.
 * Thinking-model output: anything before a closing `</think>` is ignored when the tag is present.
 */
import { lastBoxedContent } from './boxed.js';

export interface Extracted {
  answer: string | null;
  method: 'boxed' | 'phrase' | 'last-number' | 'none';
}

const PHRASES = [
  /final answer is[:\s]*\$?((?:\\\$|[^\n$])+?)\$?\s*(?:\.\s*(?:I hope it is correct\.?)?)?\s*$/im,
  /(?:^|\n)\s*\**(?:final\s+)?answer\**\s*[:：]\s*\$?((?:\\\$|[^\n$])+?)\$?\s*\.?\s*$/im,
  /####\s*([^\n]+?)\s*$/m,
];

const LAST_NUMBER = /-?\$?\d[\d,]*(?:\.\d+)?|-?\.\d+/g;

export function stripThinking(text: string): string {
  const i = text.lastIndexOf('</think>');
  return i >= 0 ? text.slice(i + '</think>'.length) : text;
}

export function extractFinalAnswer(text: string, opts: { numeric?: boolean } = {}): Extracted {
  const t = stripThinking(text);
  const boxed = lastBoxedContent(t);
  if (boxed !== null && boxed.trim() !== '') return { answer: boxed.trim(), method: 'boxed' };
  for (const re of PHRASES) {
    const all = [...t.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'))];
    const m = all.at(-1);
    if (m && m[1].trim() !== '') return { answer: m[1].trim(), method: 'phrase' };
  }
  if (opts.numeric) {
    const nums = t.match(LAST_NUMBER);
    if (nums && nums.length) return { answer: nums.at(-1)!.replace('$', ''), method: 'last-number' };
  }
  return { answer: null, method: 'none' };
}
