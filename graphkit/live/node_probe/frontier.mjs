// Re-importing an evicted module makes Node walk the `linked` jobs of everything the new module reaches,
// to mark each one instantiated (ModuleJob instantiation on Node 18-26): through the modules that survive,
// that is the whole app below it, at every reload. The survivors the evicted modules linked are already
// evaluated, so nothing below them needs Node's walk: their `linked` is hidden while the reload runs and
// put back afterwards, whatever happens. Development only: this relies on Node internals.
import { jobDependencies, jobStatus, jobUrl } from './loader.mjs';
import { Status } from './protocol.mjs';

/**
 * Hides `linked` on the evaluated jobs that the saved jobs of the evicted URLs linked and that stay.
 * `saved` is [[url, slots]]; resolves to the function that puts every hidden `linked` back.
 */
export async function hideSurvivors(saved, evicted) {
  const hidden = new Map(); // job -> its own linked
  for (const [, slots] of saved) {
    for (const type in slots) {
      if (!slots[type]) continue;
      for (const dependency of await jobDependencies(slots[type])) {
        if (hidden.has(dependency) || evicted.has(jobUrl(undefined, dependency))) continue;
        if (jobStatus(dependency) === Status.EVALUATED) hidden.set(dependency, dependency.linked);
      }
    }
  }
  for (const [job, linked] of hidden) job.linked = Array.isArray(linked) ? [] : Promise.resolve([]);
  return () => {
    for (const [job, linked] of hidden) job.linked = linked;
  };
}
