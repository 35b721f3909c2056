// Re-importing an evicted module makes Node walk the `linked` jobs of everything the new module reaches,
// to mark each one instantiated (ModuleJob instantiation on Node 18-26): through the modules that survive,
// that is the whole app below it, at every reload. The survivors the evicted modules linked are already
// evaluated, so nothing below them needs Node's walk: their `linked` is hidden while the reload runs and
// put back afterwards, whatever happens. Development only: this relies on Node internals.
import { hideLinked, jobDependencies, jobStatus, jobUrl, slotJobs } from './internals/loader.mjs';
import { Status } from './protocol.mjs';

/**
 * Hides `linked` on the evaluated jobs that the saved jobs of the evicted URLs linked and that stay.
 * `saved` is [[url, slots]]; resolves to the function that puts every hidden `linked` back.
 * @param {Iterable<[string, import('./internals/loader.mjs').Slots]>} saved
 * @param {Set<string>} evicted
 * @returns {Promise<() => void>}
 */
export async function hideSurvivors(saved, evicted) {
  /** @type {Set<import('./internals/loader.mjs').ModuleJob>} */
  const hidden = new Set();
  for (const [, slots] of saved) {
    for (const [, job] of slotJobs(slots)) {
      for (const dependency of await jobDependencies(job)) {
        if (hidden.has(dependency) || evicted.has(jobUrl(undefined, dependency))) continue;
        if (jobStatus(dependency) === Status.EVALUATED) hidden.add(dependency);
      }
    }
  }
  const restores = [...hidden].map(hideLinked);
  return () => {
    for (const restore of restores) restore();
  };
}
