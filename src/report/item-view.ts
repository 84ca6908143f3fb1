/**
 * One item rendered for a person: the question and the gold answer once, then one column per run with what
 * the model answered: the full answer and the extracted one, or for code the program the model wrote (the
 * lines it copied from the prompt folded away); for n > 1 the per-item pass rate and the vote histogram.
 * Used by the report (flipped and failing items) and by the viewer's item page.
 */
import type { ResultsDb, SampleRow } from '../store/db/results-db.js';
import { isCodeSample, promptText, splitProgram, voteHistogram, type TaskFacts } from './item-facts.js';

export const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const pct = (x: number | undefined) =>
  typeof x === 'number' && Number.isFinite(x) ? (100 * x).toFixed(1) : 'n/a';

export const ITEM_CSS = `
pre{background:#f6f8fa;padding:8px;margin:4px 0;white-space:pre-wrap;word-break:break-word;max-height:320px;overflow:auto;font-size:12px}
pre.gold{background:#eef7ee}pre.given{color:#777;background:#fafafa}
.item{border:1px solid #d5d9de;border-radius:6px;padding:10px;margin:12px 0}.item h4{margin:0 0 6px;font-size:14px}
.side{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:12px}
.label{color:#555;font-size:12px;font-weight:600;margin-top:6px}.meta{color:#666;font-size:12px}
.pass{color:#1d6b31;font-weight:600}.fail{color:#a32121;font-weight:600}.errored{color:#8a5a00;font-weight:600}.pending{color:#777}
table.votes{border-collapse:collapse;margin:4px 0}.votes td,.votes th{padding:2px 6px;font-size:12px;border:1px solid #e3e6e9}
.bar{display:inline-block;height:9px;background:#0072b2;vertical-align:middle}.bar.good{background:#009e73}
details>summary{cursor:pointer;color:#444;font-size:12px}
.samples{display:flex;flex-wrap:wrap;gap:3px 6px;margin:4px 0}details.sample>summary{font-family:ui-monospace,monospace;font-size:11px;padding:1px 5px;border-radius:3px;list-style:none;background:#f6f8fa}
details.sample>summary.pass{background:#e3f4e6}details.sample>summary.fail{background:#fbe4e4}details.sample>summary span{font-weight:400;color:#333}details.sample[open]{flex-basis:100%;border:1px solid #d5d9de;border-radius:4px;padding:4px}
`;

export interface ItemSide {
  runId: string;
  label: string;
  /** The compared per-item value (0/1, pass rate, pass@k estimate) and its metric, when known. */
  value?: number;
  metric?: string;
}

export interface ItemViewOptions {
  facts?: TaskFacts;
  /** Element id (anchor). */
  anchor?: string;
  /** Extra HTML after the title (links). */
  links?: string;
  /** Show the prompt as sent (folded) even when the question is known. */
  showPrompt?: boolean;
  /** n > 1: list every sample (folded) under the histogram. */
  allSamples?: boolean;
  /** Repeat task and item id as a heading (off when the page title says it). Default true. */
  heading?: boolean;
}

export function renderItem(
  db: ResultsDb,
  task: string,
  itemId: string,
  sides: ItemSide[],
  opts: ItemViewOptions = {},
): string {
  const f = opts.facts?.items.get(itemId);
  const requestOf = sides.map((s) => db.request(s.runId, task, itemId)).find(Boolean);
  const prompt = promptText(requestOf?.prompt);
  const params = requestOf?.params;
  // How the prompt was fitted into the context (e.g. MMLU-Pro: shots 1, tokensBelow 2800, fits true).
  const fitted = requestOf?.promptInfo
    ? `; <span class="prompt-info">${esc(
        Object.entries(requestOf.promptInfo)
          .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
          .join(', '),
      )}</span>`
    : '';
  const promptBlock = `<details class="prompt"><summary>prompt as sent (${prompt.length} characters${params ? `; n=${params.n}, temperature ${params.temperature}, max_tokens ${params.max_tokens}` : ''}${fitted})</summary><pre id="prompt">${esc(prompt)}</pre></details>`;
  const question = f?.question
    ? `<div class="label">question</div><pre class="question">${esc(f.question)}</pre>${opts.showPrompt ? promptBlock : ''}`
    : `${opts.facts?.error ? `<div class="meta">question and gold unavailable: ${esc(opts.facts.error)}</div>` : ''}${promptBlock}`;
  const gold = f?.gold
    ? `<div class="label">gold ${esc(f.goldKind ?? 'answer')}</div><pre class="gold">${esc(f.gold)}</pre>`
    : '';
  const cols = sides
    .map((s) => {
      const samples = db.itemSamples(s.runId, task, itemId);
      return `<div class="answer" data-run="${esc(s.label)}">${sideBody(s, samples, prompt, opts.allSamples ?? false)}</div>`;
    })
    .join('');
  return `<div class="item"${opts.anchor ? ` id="${esc(opts.anchor)}"` : ''} data-item="${esc(itemId)}">${opts.heading === false ? '' : `<h4>${esc(task)} · ${esc(itemId)}${opts.links ?? ''}</h4>`}${question}${gold}<div class="side">${cols}</div></div>`;
}

/** What to show of one sample: the model-written program for code, else extracted + full answer. */
function sampleAnswer(s: SampleRow, prompt: string, label: string): string {
  if (isCodeSample(s) && s.extracted) {
    const { given, written } = splitProgram(s.extracted, prompt);
    return (
      `<div class="label">${label} <span class="${s.status}">${s.status}</span></div>` +
      (given
        ? `<details><summary>${given.split('\n').length} lines copied from the prompt (signature, docstring)</summary><pre class="given">${esc(given)}</pre></details>`
        : '') +
      `<pre class="program">${esc(written)}</pre>`
    );
  }
  return (
    `<div class="label">extracted answer: <span class="extracted ${s.status}">${esc(s.extracted ?? '(none)')}</span>${label ? ` <span class="meta">(${esc(label)})</span>` : ''}</div>` +
    `<div class="label">full answer</div><pre class="full-answer">${esc(s.text ?? s.genError ?? '(no text)')}</pre>`
  );
}

function sideBody(side: ItemSide, samples: SampleRow[], prompt: string, allSamples: boolean): string {
  const scored = samples.filter((x) => x.status === 'pass' || x.status === 'fail');
  const passed = scored.filter((x) => x.status === 'pass').length;
  const head = `<div><b>${esc(side.label)}</b>${
    side.metric && side.value !== undefined ? ` · ${esc(side.metric)} ${pct(side.value)}` : ''
  }${samples.length > 1 ? ` · <span class="passrate">${passed}/${scored.length} samples pass</span>` : ''}</div>`;
  if (!samples.length) return head + `<p class="meta">not in this run</p>`;
  let votes = '';
  if (samples.length > 1) {
    const hist = voteHistogram(samples).slice(0, allSamples ? 12 : 6);
    const max = Math.max(...hist.map((h) => h.count));
    votes = `<table class="votes"><tr><th>answer of ${samples.length} samples</th><th>count</th><th></th></tr>${hist
      .map(
        (h) =>
          `<tr><td>${esc(h.answer)}${h.passing ? ` <span class="pass">${h.passing === h.count ? '✓ correct' : `${h.passing} pass`}</span>` : ''}</td><td class="num">${h.count}</td><td><span class="bar${h.passing ? ' good' : ''}" style="width:${Math.round((90 * h.count) / max)}px"></span></td></tr>`,
      )
      .join('')}</table>`;
  }
  // Shown in full: the only sample, or the first sample with the side's majority outcome.
  const majorityPass = passed * 2 >= scored.length;
  const shown =
    samples.length === 1
      ? samples[0]
      : (samples.find((x) => (x.status === 'pass') === majorityPass) ?? samples[0]);
  const label =
    samples.length > 1
      ? `sample ${shown.sampleIndex}, ${shown.status}`
      : isCodeSample(shown)
        ? 'program the model wrote'
        : '';
  const reason = shown.reason
    ? `<div class="meta reason">reason: ${esc(shown.reason.slice(0, 600))}</div>`
    : '';
  const error =
    shown.error || shown.genError
      ? `<div class="errored">error: ${esc(shown.error ?? shown.genError)}</div>`
      : '';
  // Every sample as a chip (✓/✗, index, answer), wrapped in rows; a chip opens to the full sample across the row.
  let list = '';
  if (allSamples && samples.length > 1)
    list =
      `<div class="label">every sample (click to open)</div><div class="samples">` +
      samples
        .map((s) => {
          const brief = isCodeSample(s)
            ? s.status === 'pass'
              ? 'pass'
              : (s.reason ?? 'fail')
            : (s.extracted ?? '—');
          const mark = s.status === 'pass' ? '✓' : s.status === 'fail' ? '✗' : '!';
          return `<details class="sample" data-sample="${s.sampleIndex}"><summary class="${s.status}" title="sample ${s.sampleIndex}: ${s.status}">${mark}${s.sampleIndex} <span>${esc(brief.replace(/\s+/g, ' ').slice(0, 24))}</span></summary>${sampleAnswer(s, prompt, `sample ${s.sampleIndex}`)}${s.reason ? `<div class="meta">reason: ${esc(s.reason.slice(0, 400))}</div>` : ''}</details>`;
        })
        .join('') +
      `</div>`;
  return head + votes + sampleAnswer(shown, prompt, label) + reason + error + list;
}
