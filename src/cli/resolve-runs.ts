import type { Command } from 'commander';
import { checkpointDirs } from '../campaign/campaign.js';
import { loadCampaign } from '../campaign/config.js';
import { resolveRun } from '../report/compare.js';
import { defaultDbPath, openResultsDb, type ResultsDb } from '../store/db/results-db.js';
import { EvalkitError } from '../util/errors.js';

/**
 * For `compare` and `report`: open the results database (with --campaign, by default the one `campaign run`
 * updates in the campaign's runs folder) and resolve run directories, run ids or checkpoint names, in order.
 * The caller closes the database.
 */
export async function openAndResolveRuns(
  command: string,
  refs: string[],
  o: Record<string, any>,
  cmd: Command,
  minRuns = 2,
): Promise<{ db: ResultsDb; runs: Awaited<ReturnType<typeof resolveRun>>[] }> {
  if (refs.length < minRuns)
    throw new EvalkitError(`${command} needs at least ${minRuns === 1 ? 'one run' : `${minRuns} runs`}`);
  const campaign = o.campaign ? loadCampaign(o.campaign) : undefined;
  const cps = campaign ? checkpointDirs(campaign) : {};
  const runsRoot =
    campaign && cmd.getOptionValueSource('runsRoot') === 'default' ? campaign.runsRoot : o.runsRoot;
  const db = openResultsDb(o.db ?? defaultDbPath(runsRoot));
  try {
    const runs = [];
    for (const r of refs) runs.push(await resolveRun(db, r, cps));
    return { db, runs };
  } catch (e) {
    db.close();
    throw e;
  }
}
