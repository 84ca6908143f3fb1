/**
 * Beyond one machine: a run's requests are split into N deterministic shards (`evalkit run --shard i/N`), each
 * shard runs anywhere (a Slurm array task, a Kubernetes indexed-Job pod) into its own run directory, and
 * `evalkit merge` combines the shard directories into one run whose records — and therefore metrics — are the
 * same as those of an unsharded run.
 */
export { parseShard, shardOfRequest } from '../runner/shard.js';
export { mergeRunDirs, modelKey, type MergeOptions, type MergeSummary } from './merge.js';
