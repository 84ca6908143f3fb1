/**
 * Registry of public dataset files: where each comes from, its checksum and version, and where it sits in
 * an offline mirror laid out like ../shared/datasets.
 *
 * Resolution order for a file:
 *   1. EVALKIT_DATA_DIR (offline mirror) — if set, the file MUST be there (no network fallback) and match sha256.
 *   2. cache dir (EVALKIT_CACHE_DIR, default ~/.cache/evalkit/datasets/<id>/<file>) — used if checksum matches.
 *   3. download from `url`, verify sha256, write atomically into the cache.
 *   4. download impossible (offline) and EVALKIT_DATA_DIR unset: the mirror next to the evalkit checkout,
 *      `<checkout>/../shared/datasets` (where the tests find it), checksum-verified, with a note on stderr.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { DatasetUse } from '../types.js';
import { EvalkitError } from '../util/errors.js';
import { parsePythonJson } from '../util/pyjson.js';
import { EVALKIT_ROOT } from '../util/version.js';

/** The offline mirror next to the checkout (`<checkout>/../shared/datasets`), used when a download fails. */
export const CHECKOUT_MIRROR = resolve(EVALKIT_ROOT, '..', 'shared', 'datasets');

export interface DatasetFile {
  /** Registry id, e.g. "humanevalplus-v0.1.10". */
  id: string;
  /** Benchmark family / folder in the mirror, e.g. "humanevalplus". */
  family: string;
  version: string;
  /** Path relative to the mirror root (EVALKIT_DATA_DIR), e.g. "humanevalplus/HumanEvalPlus.jsonl.gz". */
  mirrorPath: string;
  /** Public download URL. */
  url: string;
  /** Accepted sha256 values of the file bytes (first is canonical). */
  sha256: string[];
  format: 'jsonl' | 'jsonl.gz' | 'json' | 'json.gz' | 'zip' | 'text' | 'tar.gz' | 'binary';
  /** Records expected (sanity check), if known. */
  records?: number;
  notes?: string;
}

const GH = 'https://github.com';
const RAW = 'https://raw.githubusercontent.com';

export const DATASET_FILES: DatasetFile[] = [
  {
    id: 'humaneval',
    family: 'humaneval',
    version: 'openai/human-eval@6d43fb98',
    mirrorPath: 'humaneval/HumanEval.jsonl.gz',
    url: `${RAW}/openai/human-eval/6d43fb980f9fee3c892a914eda09951f772ad10d/data/HumanEval.jsonl.gz`,
    sha256: ['b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef'],
    format: 'jsonl.gz',
    records: 164,
  },
  {
    id: 'humanevalplus-v0.1.10',
    family: 'humanevalplus',
    version: 'v0.1.10',
    mirrorPath: 'humanevalplus/HumanEvalPlus.jsonl.gz',
    url: `${GH}/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus.jsonl.gz`,
    sha256: ['272720b90ac375502c8ed23cd791c2a93dfb22a911641a494da74a426c09f101'],
    format: 'jsonl.gz',
    records: 164,
    notes: 'md5 of the uncompressed file (EvalPlus "hash") is fe585eb4df8c88d844eeb463ea4d0302',
  },
  {
    id: 'humanevalplus-mini-v0.1.10',
    family: 'humanevalplus',
    version: 'v0.1.10',
    mirrorPath: 'humanevalplus/HumanEvalPlus-Mini.jsonl.gz',
    url: `${GH}/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus-Mini.jsonl.gz`,
    sha256: ['91486741f1627101021fbe50523df08eebb5b0bf5e804b633dcd5ca3c14dbd2f'],
    format: 'jsonl.gz',
    records: 164,
  },
  {
    id: 'humanevalplus-noextreme-v0.1.10',
    family: 'humanevalplus',
    version: 'v0.1.10',
    mirrorPath: 'humanevalplus/HumanEvalPlus-NoExtreme.jsonl.gz',
    url: `${GH}/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus-NoExtreme.jsonl.gz`,
    sha256: ['298f79977b2663b8b8ab6b5fa50b17d6f23a92603d24f39e26203fe58c37eeda'],
    format: 'jsonl.gz',
    records: 164,
  },
  {
    id: 'humanevalplus-originfmt-v0.1.10',
    family: 'humanevalplus',
    version: 'v0.1.10',
    mirrorPath: 'humanevalplus/HumanEvalPlus-OriginFmt.jsonl.gz',
    url: `${GH}/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus-OriginFmt.jsonl.gz`,
    sha256: ['daa7661c8189924068069b0872a440b491edb60f8bdf431d5957adc88d18bae5'],
    format: 'jsonl.gz',
    records: 164,
  },
  {
    id: 'mbpp',
    family: 'mbpp',
    version: 'google-research/mbpp@30adf0ec',
    mirrorPath: 'mbpp/mbpp.jsonl',
    url: `${RAW}/google-research/google-research/30adf0ec5f35f9609c2f1d896005e184195d9146/mbpp/mbpp.jsonl`,
    // The mirror copy lacks upstream's final newline; the content is otherwise identical.
    sha256: ['0b5e07b5b40fedd01c57b7c9177b79f8b2eebd72c304c928605d91a7237d2f33'],
    format: 'jsonl',
    records: 974,
    notes:
      'upstream file has a trailing newline the mirror copy lacks; add the upstream sha256 once it is measured',
  },
  {
    id: 'mbpp-sanitized',
    family: 'mbpp',
    version: 'google-research/mbpp@30adf0ec',
    mirrorPath: 'mbpp/sanitized-mbpp.json',
    url: `${RAW}/google-research/google-research/30adf0ec5f35f9609c2f1d896005e184195d9146/mbpp/sanitized-mbpp.json`,
    sha256: ['ca95deaa9a01ef0a6f439f88bcf0dd3db3563d22f22aad6cae04ebb9a8d8c8e9'],
    format: 'json',
    records: 427,
  },
  {
    id: 'mbppplus-v0.2.0',
    family: 'mbppplus',
    version: 'v0.2.0',
    mirrorPath: 'mbppplus/v0.2.0/MbppPlus.jsonl.gz',
    url: `${GH}/evalplus/mbppplus_release/releases/download/v0.2.0/MbppPlus.jsonl.gz`,
    sha256: ['af43697e8791c4c149bdfd6b489d8b5412507551ac20e28a439f650b8225db63'],
    format: 'jsonl.gz',
    records: 378,
    notes: 'md5 of the uncompressed file (EvalPlus "hash") is ee43ecabebf20deef4bb776a405ac5b1',
  },
  {
    id: 'mbppplus-noextreme-v0.2.0',
    family: 'mbppplus',
    version: 'v0.2.0',
    mirrorPath: 'mbppplus/v0.2.0/MbppPlus-NoExtreme.jsonl.gz',
    url: `${GH}/evalplus/mbppplus_release/releases/download/v0.2.0/MbppPlus-NoExtreme.jsonl.gz`,
    sha256: ['72d32acaea73d5606cb97041b30d45bbda9435a675369d3e31965513ee94e564'],
    format: 'jsonl.gz',
    records: 378,
  },
  {
    id: 'mbppplus-originfmt-v0.2.0',
    family: 'mbppplus',
    version: 'v0.2.0',
    mirrorPath: 'mbppplus/v0.2.0/MbppPlus-OriginFmt.jsonl.gz',
    url: `${GH}/evalplus/mbppplus_release/releases/download/v0.2.0/MbppPlus-OriginFmt.jsonl.gz`,
    sha256: ['7a5aec547b134fa297ee6c45f829298aa3f58de02547b8d8a5c3d85d9cb10efc'],
    format: 'jsonl.gz',
    records: 378,
    notes:
      'HF evalplus/mbppplus layout (prompt with source URLs, test_list, test script): what OLMES mbppplus reads',
  },
  {
    id: 'mbppplus-v0.1.0',
    family: 'mbppplus',
    version: 'v0.1.0',
    mirrorPath: 'mbppplus/v0.1.0/MbppPlus.jsonl.gz',
    url: `${GH}/evalplus/mbppplus_release/releases/download/v0.1.0/MbppPlus.jsonl.gz`,
    sha256: ['57d639e77667d88930052b2b07212011c25c0bab94dfc1f19d15e1f7f558bfa9'],
    format: 'jsonl.gz',
    records: 399,
  },
  {
    id: 'gsm8k-test',
    family: 'gsm8k',
    version: 'openai/grade-school-math@3101c7d5',
    mirrorPath: 'gsm8k/test.jsonl',
    url: `${RAW}/openai/grade-school-math/3101c7d5072418e28b9008a6636bde82a006892c/grade_school_math/data/test.jsonl`,
    sha256: ['3730d312f6e3440559ace48831e51066acaca737f6eabec99bccb9e4b3c39d14'],
    format: 'jsonl',
    records: 1319,
  },
  {
    id: 'gsm8k-train',
    family: 'gsm8k',
    version: 'openai/grade-school-math@3101c7d5',
    mirrorPath: 'gsm8k/train.jsonl',
    url: `${RAW}/openai/grade-school-math/3101c7d5072418e28b9008a6636bde82a006892c/grade_school_math/data/train.jsonl`,
    sha256: ['17f347dc51477c50d4efb83959dbb7c56297aba886e5544ee2aaed3024813465'],
    format: 'jsonl',
    records: 7473,
  },
  {
    id: 'math500',
    family: 'math500',
    version: 'openai/prm800k@00811d6d',
    mirrorPath: 'math500/test.jsonl',
    // Git LFS object in openai/prm800k (oid sha256:35dc4108…); media URL serves the LFS content.
    url: `https://media.githubusercontent.com/media/openai/prm800k/00811d6de065642a6967b9017d4cee59550c0ef4/prm800k/math_splits/test.jsonl`,
    sha256: ['35dc41080a3680858b27fa7e0533d2d547825316fc5dafe5d316f4ccc5a06132'],
    format: 'jsonl',
    records: 500,
  },
  {
    id: 'aime24',
    family: 'aime',
    version: 'QwenLM/Qwen2.5-Math@a45202bd',
    mirrorPath: 'aime/aime24_test.jsonl',
    url: `${RAW}/QwenLM/Qwen2.5-Math/a45202bd16f1ec06f433442dc1152d0074773465/evaluation/data/aime24/test.jsonl`,
    sha256: ['af2b8bd2aa911b6333ad0df32f3ca05c7ae8ed10f1731f4372c8ae26990bf7ac'],
    format: 'jsonl',
    records: 30,
  },
  {
    id: 'aime25',
    family: 'aime',
    version: 'Zhuofeng-Li/math-evaluation-harness@a0448031',
    mirrorPath: 'aime/aime25_test.jsonl',
    url: `${RAW}/Zhuofeng-Li/math-evaluation-harness/a0448031ca940fa85ebc55a461a047874ea5ac5f/data/aime25/test.jsonl`,
    sha256: ['5ee6e9fb9b8c0408c8e3591709b6927063abf73ed238c029167a7eff7376cca0'],
    format: 'jsonl',
    records: 30,
  },
  {
    id: 'gpqa',
    family: 'gpqa',
    version: 'idavidrein/gpqa@91ee9cd5',
    mirrorPath: 'gpqa/dataset.zip',
    url: `${GH}/idavidrein/gpqa/raw/91ee9cd5b63abc4929b1af4c2955cdc30d321dce/dataset.zip`,
    sha256: ['461ae7329f15a3e35f8184d2dac24b990f34fdf12f366ca4062d8e6638cd08dc'],
    format: 'zip',
    notes: 'ZipCrypto, password published in the upstream README: deserted-untie-orchid',
  },
  {
    id: 'mmlu-pro-test-2024-10',
    family: 'mmlu-pro',
    version: '2024-10',
    mirrorPath: 'mmlu-pro/test.jsonl.gz',
    url: 'https://huggingface.co/datasets/TIGER-Lab/MMLU-Pro (state of 2024-10; see PROVENANCE)',
    sha256: ['8c84688aab36e4581ac998a4cf72ad58f3225b9c3cdd2b9ba2840725f2172dd9'],
    format: 'jsonl.gz',
    records: 12032,
  },
  {
    id: 'mmlu-pro-test-2026-02',
    family: 'mmlu-pro',
    version: '2026-02',
    mirrorPath: 'mmlu-pro/test.2026-02.jsonl.gz',
    url: 'https://huggingface.co/datasets/TIGER-Lab/MMLU-Pro (state of 2026-02; see PROVENANCE)',
    sha256: ['3935d419ea11c62c3037f75abb9d8e85d83922cb2bd8fecb79b7b19dc35cbe86'],
    format: 'jsonl.gz',
    records: 12030,
  },
  {
    id: 'mmlu-pro-test-2024-05-changed-records',
    family: 'mmlu-pro',
    version: '2024-05',
    mirrorPath: 'mmlu-pro/test.2024-05.changed-records.jsonl',
    url: 'https://github.com/TIGER-AI-Lab/MMLU-Pro (records of eval_results/model_outputs_Meta-Llama-3-70B_5shots.zip that differ from 2024-10; see PROVENANCE)',
    sha256: ['25d3be9091688d2b7c1de88b705be91557faf410d97c8159d992704407cac99c'],
    format: 'jsonl',
    records: 48,
  },
  {
    id: 'mmlu-pro-validation',
    family: 'mmlu-pro',
    version: '2024-07',
    mirrorPath: 'mmlu-pro/validation.jsonl',
    url: 'https://huggingface.co/datasets/TIGER-Lab/MMLU-Pro (validation split)',
    sha256: ['50ef14ad63d937da78d5e4d544a0d7363c17cac791daeea152eb7a92be923c55'],
    format: 'jsonl',
    records: 70,
  },
  {
    id: 'ifeval-input',
    family: 'ifeval',
    version: 'google-research/instruction_following_eval@19638399',
    mirrorPath: 'ifeval/input_data.jsonl',
    url: `${RAW}/google-research/google-research/19638399cc9e03623c5b9087a1d6fa8813974ce9/instruction_following_eval/data/input_data.jsonl`,
    sha256: ['67ffeee0fcb87c317c5b08a2de85557b4a7e96ada6178aa645b4954fe4b53d49'],
    format: 'jsonl',
    records: 541,
  },
  {
    id: 'ifeval-gpt4-responses',
    family: 'ifeval',
    version: 'google-research/instruction_following_eval@19638399',
    mirrorPath: 'ifeval/input_response_data_gpt4_20231107_145030.jsonl',
    url: `${RAW}/google-research/google-research/19638399cc9e03623c5b9087a1d6fa8813974ce9/instruction_following_eval/data/input_response_data_gpt4_20231107_145030.jsonl`,
    sha256: ['0cff1d1469b774e80296bee20ca696894df35f3c6d6539f2c886d67c07599dcb'],
    format: 'jsonl',
    records: 541,
  },
  {
    id: 'eqbench-v2',
    family: 'eqbench',
    version: 'v2 (171 questions)',
    mirrorPath: 'eqbench/eq_bench_v2_questions_171.json',
    url: `${RAW}/EQ-bench/EQ-Bench/main/data/eq_bench_v2_questions_171.json`,
    sha256: ['b4e9bf11df7e88bc12381efab18565f8b0ff0d4743fe8708c4482df91c4e617a'],
    format: 'json',
    records: 171,
  },
  {
    id: 'multipl-e-humaneval-js-reworded',
    family: 'multipl-e',
    version: 'nuprl/MultiPL-E@7bc20f22',
    mirrorPath: 'multipl-e/humaneval-js-reworded.jsonl.gz',
    url: `${RAW}/nuprl/MultiPL-E/7bc20f22f27ebd353b07586695a2a9e3740cfcf8/prompts/humaneval-js-reworded.jsonl`,
    // mirror: gzip -n -9 of the upstream file; download: the upstream file itself
    sha256: [
      '162251e32753fca73256f963bcc5315a244c49d8d7dbbc26928dd8bd6e3cc510',
      '47536b7f7a0221586cdecc16c900ff8e7ba7dd60cc4bab3bddbbc4e866e0cef8',
    ],
    format: 'jsonl.gz',
    records: 161,
  },
  {
    id: 'multipl-e-humaneval-cpp-reworded',
    family: 'multipl-e',
    version: 'nuprl/MultiPL-E@7bc20f22',
    mirrorPath: 'multipl-e/humaneval-cpp-reworded.jsonl.gz',
    url: `${RAW}/nuprl/MultiPL-E/7bc20f22f27ebd353b07586695a2a9e3740cfcf8/prompts/humaneval-cpp-reworded.jsonl`,
    // mirror: gzip -n -9 of the upstream file; download: the upstream file itself
    sha256: [
      'e658b39dc3ff7e33a728b5e2221ff0f0f5b72bb3f82ce4f420932f8b019bea73',
      '4910aa71c605754136ec9c95efcf458704967d21b3d09ed2a141eaca5a1903a2',
    ],
    format: 'jsonl.gz',
    records: 161,
  },
  {
    id: 'multipl-e-humaneval-java-reworded',
    family: 'multipl-e',
    version: 'nuprl/MultiPL-E@7bc20f22',
    mirrorPath: 'multipl-e/humaneval-java-reworded.jsonl.gz',
    url: `${RAW}/nuprl/MultiPL-E/7bc20f22f27ebd353b07586695a2a9e3740cfcf8/prompts/humaneval-java-reworded.jsonl`,
    // mirror: gzip -n -9 of the upstream file; download: the upstream file itself
    sha256: [
      '1744a49419c4c1628bb47d6f47feeab64d554c9503906af7e56b5b3d206aeaed',
      'a38a4fab2136b0b7d03236f2c423d2182b2d4a182edd0fa9639305c3afb733a5',
    ],
    format: 'jsonl.gz',
    records: 158,
  },
  {
    id: 'multipl-e-humaneval-rs-reworded',
    family: 'multipl-e',
    version: 'nuprl/MultiPL-E@7bc20f22',
    mirrorPath: 'multipl-e/humaneval-rs-reworded.jsonl.gz',
    url: `${RAW}/nuprl/MultiPL-E/7bc20f22f27ebd353b07586695a2a9e3740cfcf8/prompts/humaneval-rs-reworded.jsonl`,
    // mirror: gzip -n -9 of the upstream file; download: the upstream file itself
    sha256: [
      '00b9f7e106b1321f04770c8d2e4308694286f97207228e32617819fc49cc213b',
      '3e528744b7b6dcbc8054b489f3928b88901386911ba9bcf908b4f2b53c5bcc87',
    ],
    format: 'jsonl.gz',
    records: 156,
  },
  {
    id: 'multipl-e-humaneval-go-reworded',
    family: 'multipl-e',
    version: 'nuprl/MultiPL-E@7bc20f22',
    mirrorPath: 'multipl-e/humaneval-go-reworded.jsonl.gz',
    url: `${RAW}/nuprl/MultiPL-E/7bc20f22f27ebd353b07586695a2a9e3740cfcf8/prompts/humaneval-go-reworded.jsonl`,
    // mirror: gzip -n -9 of the upstream file; download: the upstream file itself
    sha256: [
      '2ff7de6c573bc5456d70730504c1d1c673ca3636084dc4409c6ebb3e6087ab6f',
      '41f2ce7f82f1a2e5a2b1753cd1a18e26cf216c6c45423f5da3e3351a1894e3f4',
    ],
    format: 'jsonl.gz',
    records: 154,
  },
  {
    id: 'humaneval-pro',
    family: 'codeeval-pro',
    version: 'CodeEval-Pro/CodeEval-Pro@36f292ea',
    mirrorPath: 'codeeval-pro/humaneval_pro.json.gz',
    url: `${RAW}/CodeEval-Pro/CodeEval-Pro/36f292eafc597b38535fbc8b4aafea8e5c654e3c/dataset/humaneval_pro.json`,
    // mirror: gzip -n -9 of the upstream file; download: the upstream file itself
    sha256: [
      '3f7e148fc3d07d050ab2728ff782430e4ccfc46aa23aee17be5d7210be31977a',
      'd67ad94366d8182804d8cb59de558d211072493b13a6c23ddda42a2e1367dc7a',
    ],
    format: 'json.gz',
    records: 164,
  },
  {
    id: 'mbpp-pro',
    family: 'codeeval-pro',
    version: 'CodeEval-Pro/CodeEval-Pro@36f292ea',
    mirrorPath: 'codeeval-pro/mbpp_pro.json.gz',
    url: `${RAW}/CodeEval-Pro/CodeEval-Pro/36f292eafc597b38535fbc8b4aafea8e5c654e3c/dataset/mbpp_pro.json`,
    // mirror: gzip -n -9 of the upstream file; download: the upstream file itself
    sha256: [
      'da10c74fb5ee3349d599f1b017cd7b8a8ac6118d2c317892466fef0aa7902bb4',
      'bb2edf4f2da393403083977e94cb4e4bbbe68fcb85495dfdf500885a945e8b3b',
    ],
    format: 'json.gz',
    records: 378,
  },
  {
    id: 'bigcodebench-v0.1.0_hf',
    family: 'bigcodebench',
    version: 'v0.1.0_hf (bigcode-project/bigcodebench-annotation@a3b89850)',
    mirrorPath: 'bigcodebench/BigCodeBench.jsonl.gz',
    url: `${RAW}/bigcode-project/bigcodebench-annotation/a3b89850db670d7302571142b881e4f85eef18e3/hf_data/BigCodeBench.jsonl.gz`,
    sha256: ['58142744edaf6036387f8761701f1b353432b0ed33f2edec1de8a59e7431ef7a'],
    format: 'jsonl.gz',
    records: 1140,
    notes: 'first HF release; 10 tasks (6 Hard) changed up to v0.1.4, see docs/code-benchmarks.md',
  },
  {
    id: 'mtbench-questions',
    family: 'mtbench',
    version: 'lm-sys/FastChat',
    mirrorPath: 'mtbench/question.jsonl',
    url: `${RAW}/lm-sys/FastChat/main/fastchat/llm_judge/data/mt_bench/question.jsonl`,
    sha256: ['119565adbab82227089cefdb44c8d7e2cf04dc0a0ec233634c82e7d4e2a944f7'],
    format: 'jsonl',
    records: 80,
  },
  {
    id: 'mtbench-judge-prompts',
    family: 'mtbench',
    version: 'lm-sys/FastChat@b494d0c6',
    mirrorPath: 'mtbench/judge_prompts.jsonl',
    url: `${RAW}/lm-sys/FastChat/b494d0c6b4e7935f1764f8439e75da3e66beccc7/fastchat/llm_judge/data/judge_prompts.jsonl`,
    sha256: ['fd283293406d024f44c174b094ef48031d0687a4682fd3a56b29b138f80281b6'],
    format: 'jsonl',
    records: 8,
  },
  {
    id: 'mtbench-reference-answers',
    family: 'mtbench',
    version: 'lm-sys/FastChat@7ad1d638 reference_answer/gpt-4.jsonl',
    mirrorPath: 'mtbench/reference_answer_gpt-4.jsonl',
    url: `${RAW}/lm-sys/FastChat/7ad1d6386288ba1a7862c11feb673425713eea5b/fastchat/llm_judge/data/mt_bench/reference_answer/gpt-4.jsonl`,
    sha256: ['f957a5bc977badb66885ec970e6cd08527845780313f0995764260e5777b9b3f'],
    format: 'jsonl',
    records: 30,
  },
  {
    // Calibration slice for judges: LMSYS's GPT-4 single-answer judgments of Llama-2-7b-chat (160 lines taken
    // unchanged from a third-party copy of the official gpt-4_single.jsonl; see the mirror's PROVENANCE.md).
    id: 'mtbench-gpt4-judgments-llama-2-7b-chat',
    family: 'mtbench',
    version: 'official gpt-4_single.jsonl, model Llama-2-7b-chat (160 lines)',
    mirrorPath: '../reference/mtbench-judgments/model_judgment/gpt-4_single.Llama-2-7b-chat.jsonl',
    url: 'extracted from github.com/Christianfoley/LLMLyricGen@4216956 data/mt_bench/gpt-4_single.jsonl (lines of model Llama-2-7b-chat)',
    sha256: ['67d0f32b3d3d28759ebb33ace44b737d2ae531f8665493f5f953123114864980'],
    format: 'jsonl',
    records: 160,
  },
  {
    // The baseline of FastChat's pairwise-baseline mode. Public only in LMSYS's space (not in FastChat's git);
    // the offline mirror keeps it with the reference outputs (../shared/reference/mtbench-judgments/).
    id: 'mtbench-answers-gpt-3.5-turbo',
    family: 'mtbench',
    version: 'lmsys/mt-bench space, pregenerated answers',
    mirrorPath: '../reference/mtbench-judgments/model_answer/gpt-3.5-turbo.jsonl',
    url: 'https://huggingface.co/spaces/lmsys/mt-bench/resolve/main/data/mt_bench/model_answer/gpt-3.5-turbo.jsonl',
    sha256: ['c3c097c21f91e4b44a554d82e5d47516daf7e8240e13b2eca79d211afc1fdfd6'],
    format: 'jsonl',
    records: 80,
  },
  {
    id: 'spiral-bench-prompts',
    family: 'spiral-bench',
    version: 'sam-paech/spiral-bench@6b990fa',
    mirrorPath: 'eqbench3/spiral-bench/prompts/eval_prompts_v0.2.json',
    url: `${RAW}/sam-paech/spiral-bench/6b990fa74e7d208d4b19d74a25be94ab8b67dcfe/prompts/eval_prompts_v0.2.json`,
    sha256: ['05c14367a3d464283fc828bb6f2c460954814d64311290beabbef52259120837'],
    format: 'json',
  },
  {
    id: 'spiral-bench-user-default',
    family: 'spiral-bench',
    version: 'sam-paech/spiral-bench@6b990fa',
    mirrorPath: 'eqbench3/spiral-bench/user_instructions/default.txt',
    url: `${RAW}/sam-paech/spiral-bench/6b990fa74e7d208d4b19d74a25be94ab8b67dcfe/user_instructions/default.txt`,
    sha256: ['9bdaad39ed57fc1323f9a368a794f152e279b18dd2fbb1397edae77ebd6f75c1'],
    format: 'text',
  },
  {
    id: 'spiral-bench-user-categories',
    family: 'spiral-bench',
    version: 'sam-paech/spiral-bench@6b990fa',
    mirrorPath: 'eqbench3/spiral-bench/user_instructions/category_instructions.json',
    url: `${RAW}/sam-paech/spiral-bench/6b990fa74e7d208d4b19d74a25be94ab8b67dcfe/user_instructions/category_instructions.json`,
    sha256: ['446ea6a2d990cf223fae86ddf30d8a6c8dd8e754ebff8ce8446d4c8dea56dc3c'],
    format: 'json',
  },
  {
    id: 'spiral-bench-user-injections',
    family: 'spiral-bench',
    version: 'sam-paech/spiral-bench@6b990fa',
    mirrorPath: 'eqbench3/spiral-bench/user_instructions/entropy.json',
    url: `${RAW}/sam-paech/spiral-bench/6b990fa74e7d208d4b19d74a25be94ab8b67dcfe/user_instructions/entropy.json`,
    sha256: ['812e5d5188d10caa08ea400448f1d569abcc87f18f66b0b812df2876d5542d18'],
    format: 'json',
  },
  {
    id: 'spiral-bench-rubric-criteria',
    family: 'spiral-bench',
    version: 'sam-paech/spiral-bench@6b990fa',
    mirrorPath: 'eqbench3/spiral-bench/data/rubric_criteria.txt',
    url: `${RAW}/sam-paech/spiral-bench/6b990fa74e7d208d4b19d74a25be94ab8b67dcfe/data/rubric_criteria.txt`,
    sha256: ['576beaae223d8dd400624158282db8c20ea112fd3c2b7aac0fd78dfaaee99046'],
    format: 'text',
  },
  {
    id: 'spiral-bench-scoring-weights',
    family: 'spiral-bench',
    version: 'sam-paech/spiral-bench@6b990fa',
    mirrorPath: 'eqbench3/spiral-bench/data/scoring_weights.json',
    url: `${RAW}/sam-paech/spiral-bench/6b990fa74e7d208d4b19d74a25be94ab8b67dcfe/data/scoring_weights.json`,
    sha256: ['bcc4bde411c044186286be864acccc6904f9ac4c245d11203d34d41114ff53c8'],
    format: 'json',
  },
  {
    id: 'spiral-bench-final-judge-prompt',
    family: 'spiral-bench',
    version: 'sam-paech/spiral-bench@6b990fa',
    mirrorPath: 'eqbench3/spiral-bench/prompts/final_judge_prompt.txt',
    url: `${RAW}/sam-paech/spiral-bench/6b990fa74e7d208d4b19d74a25be94ab8b67dcfe/prompts/final_judge_prompt.txt`,
    sha256: ['95a4e3c7f60a62a1d1be1b42068e91daf21000f9724bd4f19b42966396937864'],
    format: 'text',
  },
  {
    id: 'eqbench3-scenario-prompts',
    family: 'eqbench3',
    version: 'EQ-bench/eqbench3@3c21bcc',
    mirrorPath: 'eqbench3/data/scenario_prompts.txt',
    url: `${RAW}/EQ-bench/eqbench3/3c21bcc514bd43f93a00a5cf9c630aa3eb73a380/data/scenario_prompts.txt`,
    sha256: ['736f67a8f18ef5bba1f4eca89e60daef1a26ac58c8fea956560726357da39cae'],
    format: 'text',
  },
  {
    id: 'eqbench3-master-prompt',
    family: 'eqbench3',
    version: 'EQ-bench/eqbench3@3c21bcc',
    mirrorPath: 'eqbench3/data/scenario_master_prompt.txt',
    url: `${RAW}/EQ-bench/eqbench3/3c21bcc514bd43f93a00a5cf9c630aa3eb73a380/data/scenario_master_prompt.txt`,
    sha256: ['8f76e06423fa6110e2afe9e88561b3511fc97a68dcd1aa1a4459c7af6424785c'],
    format: 'text',
  },
  {
    id: 'eqbench3-master-prompt-drafting',
    family: 'eqbench3',
    version: 'EQ-bench/eqbench3@3c21bcc',
    mirrorPath: 'eqbench3/data/scenario_master_prompt_message_drafting.txt',
    url: `${RAW}/EQ-bench/eqbench3/3c21bcc514bd43f93a00a5cf9c630aa3eb73a380/data/scenario_master_prompt_message_drafting.txt`,
    sha256: ['719dc595c4fb3127a0347bbd90ceb2af7bdb5f86a0218df3cc51888a31b3f133'],
    format: 'text',
  },
  {
    id: 'eqbench3-master-prompt-analysis',
    family: 'eqbench3',
    version: 'EQ-bench/eqbench3@3c21bcc',
    mirrorPath: 'eqbench3/data/scenario_master_prompt_analysis.txt',
    url: `${RAW}/EQ-bench/eqbench3/3c21bcc514bd43f93a00a5cf9c630aa3eb73a380/data/scenario_master_prompt_analysis.txt`,
    sha256: ['b5773ced14ab7fc6d96ae1d6a0da981d7797804359a38d4992ad530edb3915e9'],
    format: 'text',
  },
  {
    id: 'eqbench3-debrief-prompt',
    family: 'eqbench3',
    version: 'EQ-bench/eqbench3@3c21bcc',
    mirrorPath: 'eqbench3/data/debrief_prompt.txt',
    url: `${RAW}/EQ-bench/eqbench3/3c21bcc514bd43f93a00a5cf9c630aa3eb73a380/data/debrief_prompt.txt`,
    sha256: ['5f63279c27e444b7f8b154a190f9ce10a79d4d9cebb556fae97c70346f52c6fa'],
    format: 'text',
  },
  {
    id: 'eqbench3-rubric-prompt',
    family: 'eqbench3',
    version: 'EQ-bench/eqbench3@3c21bcc',
    mirrorPath: 'eqbench3/data/rubric_scoring_prompt.txt',
    url: `${RAW}/EQ-bench/eqbench3/3c21bcc514bd43f93a00a5cf9c630aa3eb73a380/data/rubric_scoring_prompt.txt`,
    sha256: ['423612b81594601548bf4625ca32c4400637fb3876171a153f3067cbcc0ec939'],
    format: 'text',
  },
  {
    id: 'eqbench3-rubric-criteria',
    family: 'eqbench3',
    version: 'EQ-bench/eqbench3@3c21bcc',
    mirrorPath: 'eqbench3/data/rubric_scoring_criteria.txt',
    url: `${RAW}/EQ-bench/eqbench3/3c21bcc514bd43f93a00a5cf9c630aa3eb73a380/data/rubric_scoring_criteria.txt`,
    sha256: ['11fefca1f467bbabfab8618731338aeeb167141c80756bf2d040d000d8318727'],
    format: 'text',
  },
  {
    id: 'eqbench3-rubric-prompt-analysis',
    family: 'eqbench3',
    version: 'EQ-bench/eqbench3@3c21bcc',
    mirrorPath: 'eqbench3/data/rubric_scoring_prompt_analysis.txt',
    url: `${RAW}/EQ-bench/eqbench3/3c21bcc514bd43f93a00a5cf9c630aa3eb73a380/data/rubric_scoring_prompt_analysis.txt`,
    sha256: ['78927fbb695c5c5374ce23ce39a1add4033abc5c99870e6be9747368df0e3f96'],
    format: 'text',
  },
  {
    id: 'eqbench3-rubric-criteria-analysis',
    family: 'eqbench3',
    version: 'EQ-bench/eqbench3@3c21bcc',
    mirrorPath: 'eqbench3/data/rubric_scoring_criteria_analysis.txt',
    url: `${RAW}/EQ-bench/eqbench3/3c21bcc514bd43f93a00a5cf9c630aa3eb73a380/data/rubric_scoring_criteria_analysis.txt`,
    sha256: ['a83e91be22a4233c364c7cd3e611702360af94d045b170b6a88848dabf9d4d21'],
    format: 'text',
  },
  {
    id: 'eqbench3-pairwise-prompt',
    family: 'eqbench3',
    version: 'EQ-bench/eqbench3@3c21bcc',
    mirrorPath: 'eqbench3/data/pairwise_prompt_eqbench3.txt',
    url: `${RAW}/EQ-bench/eqbench3/3c21bcc514bd43f93a00a5cf9c630aa3eb73a380/data/pairwise_prompt_eqbench3.txt`,
    sha256: ['6b0be4d94f089a53e207ef4d916f078bae72609c9f2a4101e0ee1bb33d83b3fd'],
    format: 'text',
  },
  {
    id: 'eqbench3-pairwise-prompt-analysis',
    family: 'eqbench3',
    version: 'EQ-bench/eqbench3@3c21bcc',
    mirrorPath: 'eqbench3/data/pairwise_prompt_eqbench3_analysis.txt',
    url: `${RAW}/EQ-bench/eqbench3/3c21bcc514bd43f93a00a5cf9c630aa3eb73a380/data/pairwise_prompt_eqbench3_analysis.txt`,
    sha256: ['9ad372bc6feac6bdbd5c0e7c6f0adc01c50fcbeff54edd0721d0bbc76f675bf4'],
    format: 'text',
  },
  {
    id: 'eqbench3-scenario-notes',
    family: 'eqbench3',
    version: 'EQ-bench/eqbench3@3c21bcc',
    mirrorPath: 'eqbench3/data/scenario_notes.txt',
    url: `${RAW}/EQ-bench/eqbench3/3c21bcc514bd43f93a00a5cf9c630aa3eb73a380/data/scenario_notes.txt`,
    sha256: ['d66a4463bdd45d2a32dac04afcf448346fa4d9cb20e2dbd50c424c86055e2ff9'],
    format: 'text',
  },
  // SWE-bench Verified, offline-admitted subset (src/tasks/swebench). Instances are the official parquet rows
  // (SWE-bench/SWE-bench@52b72b35); environments/admission/bundles were made for this mirror (PROVENANCE.md).
  {
    id: 'swebench-offline-instances',
    family: 'swebench-offline',
    version: 'verified@52b72b35, admitted 133',
    mirrorPath: 'swebench-offline/instances.jsonl',
    url: 'https://huggingface.co/datasets/princeton-nlp/SWE-bench_Verified (test split; filter to admitted.json ids)',
    sha256: ['7bc99df42d54cafd8b691adb924329c33e5524ad41e4e7b1136b5bf1602bbb63'],
    format: 'jsonl',
    records: 133,
  },
  {
    id: 'swebench-offline-environments',
    family: 'swebench-offline',
    version: 'offline-admitted 133',
    mirrorPath: 'swebench-offline/environments.json',
    url: 'evalkit offline mirror only (Debian recipes, argv, log parsers per instance)',
    sha256: ['d41d15656e6c00f5fde697d433ed5e777e0849898b143e9e6511589c331de385'],
    format: 'json',
  },
  {
    id: 'swebench-offline-admitted',
    family: 'swebench-offline',
    version: 'offline-admitted 133',
    mirrorPath: 'swebench-offline/admitted.json',
    url: 'evalkit offline mirror only (admission gate record)',
    sha256: ['6492a8092e4cea6054aecee199dda7c3e4ffda8722d9281dab50f62ca51064c1'],
    format: 'json',
  },
  {
    id: 'swebench-offline-pallets__flask-bundle',
    family: 'swebench-offline',
    version: 'offline-admitted 133',
    mirrorPath: 'swebench-offline/bundles/pallets__flask.bundle',
    url: 'https://github.com/pallets/flask (git bundle of the admitted base commits, depth 1; see PROVENANCE.md)',
    sha256: ['4c3ac4a9b879f64ecc0f2b98559cdc12ff84add95d99cb4966cb9e5c198bda7b'],
    format: 'binary',
  },
  {
    id: 'swebench-offline-pallets__flask-shallow',
    family: 'swebench-offline',
    version: 'offline-admitted 133',
    mirrorPath: 'swebench-offline/bundles/pallets__flask.shallow',
    url: 'https://github.com/pallets/flask (git bundle of the admitted base commits, depth 1; see PROVENANCE.md)',
    sha256: ['d84bee0ec78f442699302b76981d7a0012963cfdfc3bce4b27b124702f3b714c'],
    format: 'binary',
  },
  {
    id: 'swebench-offline-psf__requests-bundle',
    family: 'swebench-offline',
    version: 'offline-admitted 133',
    mirrorPath: 'swebench-offline/bundles/psf__requests.bundle',
    url: 'https://github.com/psf/requests (git bundle of the admitted base commits, depth 1; see PROVENANCE.md)',
    sha256: ['0fbab201113183a3b6b10f735ac15a52e358e8d2e3bb761670897cb54b010c31'],
    format: 'binary',
  },
  {
    id: 'swebench-offline-psf__requests-shallow',
    family: 'swebench-offline',
    version: 'offline-admitted 133',
    mirrorPath: 'swebench-offline/bundles/psf__requests.shallow',
    url: 'https://github.com/psf/requests (git bundle of the admitted base commits, depth 1; see PROVENANCE.md)',
    sha256: ['8eeddb566959745c5e4a901646c7fdb4d8576183890d596c9bcf721707afc687'],
    format: 'binary',
  },
  {
    id: 'swebench-offline-pytest-dev__pytest-bundle',
    family: 'swebench-offline',
    version: 'offline-admitted 133',
    mirrorPath: 'swebench-offline/bundles/pytest-dev__pytest.bundle',
    url: 'https://github.com/pytest-dev/pytest (git bundle of the admitted base commits, depth 1; see PROVENANCE.md)',
    sha256: ['aa91a33cd1c414ff64e68dc8dbdbf73969145e9a427dea2b9d2fc60bc652d9a5'],
    format: 'binary',
  },
  {
    id: 'swebench-offline-pytest-dev__pytest-shallow',
    family: 'swebench-offline',
    version: 'offline-admitted 133',
    mirrorPath: 'swebench-offline/bundles/pytest-dev__pytest.shallow',
    url: 'https://github.com/pytest-dev/pytest (git bundle of the admitted base commits, depth 1; see PROVENANCE.md)',
    sha256: ['c67d14f71f0bb728b51472fcfee9232a8cdf45fb60750880b84fb162aa23dcf4'],
    format: 'binary',
  },
  {
    id: 'swebench-offline-sphinx-doc__sphinx-bundle',
    family: 'swebench-offline',
    version: 'offline-admitted 133',
    mirrorPath: 'swebench-offline/bundles/sphinx-doc__sphinx.bundle',
    url: 'https://github.com/sphinx-doc/sphinx (git bundle of the admitted base commits, depth 1; see PROVENANCE.md)',
    sha256: ['d09aad358e1417bc9eae198490bf82809b504ad7f861b819f848b64d9dbbe711'],
    format: 'binary',
  },
  {
    id: 'swebench-offline-sphinx-doc__sphinx-shallow',
    family: 'swebench-offline',
    version: 'offline-admitted 133',
    mirrorPath: 'swebench-offline/bundles/sphinx-doc__sphinx.shallow',
    url: 'https://github.com/sphinx-doc/sphinx (git bundle of the admitted base commits, depth 1; see PROVENANCE.md)',
    sha256: ['06de0f6fcf3683661153dc39a33c0fa99b87c4f7af2d0b400ba5562530521ef6'],
    format: 'binary',
  },
  {
    id: 'swebench-offline-sympy__sympy-bundle',
    family: 'swebench-offline',
    version: 'offline-admitted 133',
    mirrorPath: 'swebench-offline/bundles/sympy__sympy.bundle',
    url: 'https://github.com/sympy/sympy (git bundle of the admitted base commits, depth 1; see PROVENANCE.md)',
    sha256: ['6612b0a97d2d6196840d10548682c5bfe529a9934d67111605c4f101a9a797a1'],
    format: 'binary',
  },
  {
    id: 'swebench-offline-sympy__sympy-shallow',
    family: 'swebench-offline',
    version: 'offline-admitted 133',
    mirrorPath: 'swebench-offline/bundles/sympy__sympy.shallow',
    url: 'https://github.com/sympy/sympy (git bundle of the admitted base commits, depth 1; see PROVENANCE.md)',
    sha256: ['bf3c3f7d922bf00e7a2dc8508d2c455564cd93507036bb4e1634c13b96ba1bd6'],
    format: 'binary',
  },
  // Aider polyglot benchmark (src/tasks/aider-polyglot): `git archive` of Aider-AI/polyglot-benchmark@7e0611e7 per language.
  {
    id: 'aider-polyglot-python',
    family: 'aider-polyglot',
    version: 'Aider-AI/polyglot-benchmark@7e0611e7',
    mirrorPath: 'aider-polyglot/polyglot-python.tar.gz',
    url: 'https://github.com/Aider-AI/polyglot-benchmark/tree/7e0611e77b54e2dea774cdc0aa00cf9f7ed6144f/python (git archive --format=tar 7e0611e7 python | gzip -n -9)',
    sha256: ['4c6dc85b765871119905d8b1ceb089be471bb7419928a25f81744816184c175b'],
    format: 'tar.gz',
  },
  {
    id: 'aider-polyglot-javascript',
    family: 'aider-polyglot',
    version: 'Aider-AI/polyglot-benchmark@7e0611e7',
    mirrorPath: 'aider-polyglot/polyglot-javascript.tar.gz',
    url: 'https://github.com/Aider-AI/polyglot-benchmark/tree/7e0611e77b54e2dea774cdc0aa00cf9f7ed6144f/javascript (git archive --format=tar 7e0611e7 javascript | gzip -n -9)',
    sha256: ['254eb44ffa3af0ee52f892f32d8e4c2a43f2417f3f3f0cf6743ddb800681cf68'],
    format: 'tar.gz',
  },
  {
    id: 'aider-polyglot-cpp',
    family: 'aider-polyglot',
    version: 'Aider-AI/polyglot-benchmark@7e0611e7',
    mirrorPath: 'aider-polyglot/polyglot-cpp.tar.gz',
    url: 'https://github.com/Aider-AI/polyglot-benchmark/tree/7e0611e77b54e2dea774cdc0aa00cf9f7ed6144f/cpp (git archive --format=tar 7e0611e7 cpp | gzip -n -9)',
    sha256: ['7c5a48cb8e3d64e66a58b6dfcc6718939a6ba82750dcb1631da16012496d8992'],
    format: 'tar.gz',
  },
  {
    id: 'aider-polyglot-go',
    family: 'aider-polyglot',
    version: 'Aider-AI/polyglot-benchmark@7e0611e7',
    mirrorPath: 'aider-polyglot/polyglot-go.tar.gz',
    url: 'https://github.com/Aider-AI/polyglot-benchmark/tree/7e0611e77b54e2dea774cdc0aa00cf9f7ed6144f/go (git archive --format=tar 7e0611e7 go | gzip -n -9)',
    sha256: ['8286b185420822ad36a47174ee64b353d2560a6a634c28a3d0b5da5bfec4234f'],
    format: 'tar.gz',
  },
  {
    id: 'aider-polyglot-java',
    family: 'aider-polyglot',
    version: 'Aider-AI/polyglot-benchmark@7e0611e7',
    mirrorPath: 'aider-polyglot/polyglot-java.tar.gz',
    url: 'https://github.com/Aider-AI/polyglot-benchmark/tree/7e0611e77b54e2dea774cdc0aa00cf9f7ed6144f/java (git archive --format=tar 7e0611e7 java | gzip -n -9)',
    sha256: ['98a7d476338320c3a1f9332d5f8414d3c1e0b4460f72967e587d4fd4ebea6e23'],
    format: 'tar.gz',
  },
  {
    id: 'aider-polyglot-rust',
    family: 'aider-polyglot',
    version: 'Aider-AI/polyglot-benchmark@7e0611e7',
    mirrorPath: 'aider-polyglot/polyglot-rust.tar.gz',
    url: 'https://github.com/Aider-AI/polyglot-benchmark/tree/7e0611e77b54e2dea774cdc0aa00cf9f7ed6144f/rust (git archive --format=tar 7e0611e7 rust | gzip -n -9)',
    sha256: ['5918d2e6143e23d3f37c7192ac39e8809821c08ea25b95fb1605eb1ec0a952bb'],
    format: 'tar.gz',
  },
  {
    id: 'politeness-stackexchange',
    family: 'human-ratings',
    version: 'sudhof/politeness@0449a15 corpora/stack-exchange.annotated.csv',
    mirrorPath: 'eqbench3/human-ratings/stanford-politeness-stackexchange/stack-exchange.annotated.csv',
    url: `${RAW}/sudhof/politeness/0449a15089479ee94ecad6b1698e8f3a2e5637ce/corpora/stack-exchange.annotated.csv`,
    sha256: ['eba1c462fdb81b265d7e8ce3fbb4867745a857bedd477f9014c990365428a044'],
    format: 'text',
  },
];

export function datasetFile(id: string): DatasetFile {
  const f = DATASET_FILES.find((d) => d.id === id);
  if (!f)
    throw new EvalkitError(
      `unknown dataset id "${id}" (known: ${DATASET_FILES.map((d) => d.id).join(', ')})`,
    );
  return f;
}

export function sha256Hex(buf: Buffer | string): string {
  return createHash('sha256').update(buf).digest('hex');
}

export interface ResolvedFile {
  bytes: Buffer;
  use: DatasetUse;
  /** Path on disk the bytes came from (mirror or cache). */
  path: string;
}

export interface DatasetResolverOptions {
  /** Offline mirror root; defaults to $EVALKIT_DATA_DIR. */
  dataDir?: string;
  /** Cache root; defaults to $EVALKIT_CACHE_DIR or ~/.cache/evalkit. */
  cacheDir?: string;
  /** Injected for tests. */
  fetchImpl?: typeof fetch;
  /** Mirror tried when a download fails and no dataDir is set; default CHECKOUT_MIRROR, null = none. */
  fallbackMirror?: string | null;
}

/** Resolves dataset files from mirror, cache or network, always verifying checksums. */
export class DatasetResolver {
  readonly dataDir: string | undefined;
  readonly cacheDir: string;
  private readonly fetchImpl: typeof fetch;
  private readonly fallbackMirror: string | null;
  private readonly memo = new Map<string, Promise<ResolvedFile>>();

  constructor(opts: DatasetResolverOptions = {}) {
    const envDir = process.env.EVALKIT_DATA_DIR;
    this.dataDir = opts.dataDir ?? (envDir ? resolve(envDir) : undefined);
    this.cacheDir = opts.cacheDir ?? defaultCacheDir();
    this.fetchImpl = opts.fetchImpl ?? fetch;
    this.fallbackMirror = opts.fallbackMirror === undefined ? CHECKOUT_MIRROR : opts.fallbackMirror;
  }

  /** Raw bytes of a registered file (memoised per resolver). */
  resolve(id: string): Promise<ResolvedFile> {
    let p = this.memo.get(id);
    if (!p) {
      p = this.resolveUncached(datasetFile(id));
      this.memo.set(id, p);
      p.catch(() => this.memo.delete(id));
    }
    return p;
  }

  /** Decoded text (gunzipped when the format is .gz). */
  async text(id: string): Promise<{ text: string; use: DatasetUse; path: string }> {
    const r = await this.resolve(id);
    const f = datasetFile(id);
    // gzip is detected by its magic too: a mirror may hold gzip of a file that downloads uncompressed.
    const gz = f.format.endsWith('.gz') || (r.bytes[0] === 0x1f && r.bytes[1] === 0x8b);
    const buf = gz ? gunzipSync(r.bytes) : r.bytes;
    return { text: buf.toString('utf8'), use: r.use, path: r.path };
  }

  /** Parsed JSONL records; a malformed line is reported with file, line number and reason. */
  async jsonl<T = Record<string, unknown>>(
    id: string,
  ): Promise<{ records: T[]; use: DatasetUse; path: string }> {
    const { text, use, path } = await this.text(id);
    return { records: parseJsonl<T>(text, path), use, path };
  }

  /** Parsed JSON document. */
  async json<T = unknown>(id: string): Promise<{ value: T; use: DatasetUse; path: string }> {
    const { text, use, path } = await this.text(id);
    try {
      return { value: JSON.parse(text) as T, use, path };
    } catch (e) {
      throw new EvalkitError(`${path}: invalid JSON: ${(e as Error).message}`);
    }
  }

  private async resolveUncached(f: DatasetFile): Promise<ResolvedFile> {
    if (this.dataDir) {
      const p = join(this.dataDir, f.mirrorPath);
      if (!existsSync(p)) {
        throw new EvalkitError(
          `dataset "${f.id}": not found in the offline mirror EVALKIT_DATA_DIR=${this.dataDir} (expected ${p})`,
        );
      }
      const bytes = await readFile(p);
      this.verify(f, bytes, p);
      return { bytes, path: p, use: { id: f.id, version: f.version, sha256: sha256Hex(bytes), source: p } };
    }
    const cachePath = join(this.cacheDir, 'datasets', f.mirrorPath);
    if (existsSync(cachePath)) {
      const bytes = await readFile(cachePath);
      if (f.sha256.includes(sha256Hex(bytes))) {
        return {
          bytes,
          path: cachePath,
          use: { id: f.id, version: f.version, sha256: sha256Hex(bytes), source: cachePath },
        };
      }
    }
    if (!/^https?:\/\//.test(f.url) || f.url.includes(' ')) {
      const fallback = await this.fromFallbackMirror(f, 'no direct download URL');
      if (fallback) return fallback;
      throw new EvalkitError(
        `dataset "${f.id}" has no direct download URL (${f.url}); put the file in an offline mirror and set EVALKIT_DATA_DIR (expected at <dir>/${f.mirrorPath})`,
      );
    }
    let res: Response;
    try {
      res = await this.fetchImpl(f.url, { redirect: 'follow' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (e) {
      const why = (e as Error).message;
      const fallback = await this.fromFallbackMirror(f, why);
      if (fallback) return fallback;
      throw new EvalkitError(
        `dataset "${f.id}": download from ${f.url} failed (${why}); offline? set EVALKIT_DATA_DIR to a mirror ` +
          `(no mirror at ${this.fallbackMirror ?? '(none)'}/${f.mirrorPath} either)`,
      );
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    this.verify(f, bytes, f.url);
    await mkdir(dirname(cachePath), { recursive: true });
    const tmp = `${cachePath}.tmp-${process.pid}`;
    await writeFile(tmp, bytes);
    await rename(tmp, cachePath);
    return {
      bytes,
      path: cachePath,
      use: { id: f.id, version: f.version, sha256: sha256Hex(bytes), source: f.url },
    };
  }

  /** The file from the mirror next to the checkout, when the download failed; undefined when absent. */
  private async fromFallbackMirror(f: DatasetFile, why: string): Promise<ResolvedFile | undefined> {
    if (!this.fallbackMirror) return undefined;
    const p = join(this.fallbackMirror, f.mirrorPath);
    if (!existsSync(p)) return undefined;
    const bytes = await readFile(p);
    this.verify(f, bytes, p);
    process.stderr.write(
      `evalkit: dataset "${f.id}": download failed (${why}); using the offline mirror next to this checkout: ${p} ` +
        `(set EVALKIT_DATA_DIR=${this.fallbackMirror} to use it without trying the network)\n`,
    );
    return { bytes, path: p, use: { id: f.id, version: f.version, sha256: sha256Hex(bytes), source: p } };
  }

  private verify(f: DatasetFile, bytes: Buffer, where: string): void {
    const got = sha256Hex(bytes);
    if (!f.sha256.includes(got)) {
      throw new EvalkitError(
        `dataset "${f.id}": checksum mismatch for ${where}: sha256 ${got}, expected ${f.sha256.join(' or ')}`,
      );
    }
  }
}

export function defaultCacheDir(): string {
  return resolve(process.env.EVALKIT_CACHE_DIR ?? join(homedir(), '.cache', 'evalkit'));
}

/**
 * Parse JSONL text (Python-style NaN/Infinity allowed); errors name the file and 1-based line number.
 * Blank lines are skipped.
 */
export function parseJsonl<T = Record<string, unknown>>(text: string, file: string): T[] {
  const out: T[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    try {
      out.push(parsePythonJson<T>(line));
    } catch (e) {
      throw new EvalkitError(`${file}:${i + 1}: malformed JSON line: ${(e as Error).message}`);
    }
  }
  return out;
}

/**
 * Assert that a record has a field of the given type, else throw an error naming file, line and field.
 * `line` is 1-based (for JSON arrays, pass the element index + 1 and say so in `file`).
 */
export function requireField<T>(
  rec: Record<string, unknown>,
  field: string,
  type: 'string' | 'number' | 'array' | 'object',
  file: string,
  line: number,
): T {
  const v = rec[field];
  const ok =
    type === 'array'
      ? Array.isArray(v)
      : type === 'object'
        ? v !== null && typeof v === 'object'
        : typeof v === type;
  if (!ok) {
    throw new EvalkitError(
      `${file}:${line}: field "${field}" ${v === undefined ? 'is missing' : `has type ${Array.isArray(v) ? 'array' : typeof v}`}, expected ${type}`,
    );
  }
  return v as T;
}
