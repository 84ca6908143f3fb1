import { createHash } from 'node:crypto';
import type { GenerationRecord, ModelProvider, RequestRecord } from '../types.js';

export interface ReplaySample {
  taskId: string;
  sampleIndex: number;
  /** Full program/answer (EvalPlus `solution`). */
  solution?: string;
  /** Continuation of the prompt (EvalPlus `completion`). */
  completion?: string;
}

/**
 * Serves pre-generated samples (EvalPlus sample files) as if a model produced them, so that
 * `evalkit score` goes through exactly the same pipeline, files and metrics as `evalkit run`.
 */
export class ReplayProvider implements ModelProvider {
  readonly id: string;
  readonly description: Record<string, unknown>;
  private readonly byTask = new Map<string, ReplaySample[]>();

  constructor(
    readonly source: string,
    samples: ReplaySample[],
  ) {
    for (const s of samples) {
      let arr = this.byTask.get(s.taskId);
      if (!arr) this.byTask.set(s.taskId, (arr = []));
      arr.push(s);
    }
    for (const arr of this.byTask.values()) arr.sort((a, b) => a.sampleIndex - b.sampleIndex);
    const digest = createHash('sha256');
    for (const s of samples)
      digest.update(`${s.taskId}\0${s.sampleIndex}\0${s.solution ?? ''}\0${s.completion ?? ''}\0`);
    this.id = `replay:${source}#${digest.digest('hex').slice(0, 16)}`;
    this.description = { samplesFile: source, samples: samples.length, tasksCovered: this.byTask.size };
  }

  /** Task ids present in the samples file. */
  get taskIds(): string[] {
    return [...this.byTask.keys()];
  }

  sampleCount(_task: string, itemId: string): number {
    return this.byTask.get(itemId)?.length ?? 0;
  }

  async generate(req: RequestRecord, sampleIndices?: number[]): Promise<GenerationRecord[]> {
    const arr = this.byTask.get(req.itemId) ?? [];
    const wanted = sampleIndices ?? arr.map((_, i) => i);
    return wanted.map((i) => {
      const s = arr[i];
      const base = {
        requestId: req.requestId,
        task: req.task,
        itemId: req.itemId,
        sampleIndex: i,
        source: this.source,
      };
      if (!s) return { ...base, text: null, error: `replay: no sample ${i} for ${req.itemId}` };
      if (s.solution !== undefined) return { ...base, text: s.solution, textIsSolution: true };
      return { ...base, text: s.completion ?? '', textIsReplayedCompletion: true };
    });
  }
}
