// Every private part of Node the probe relies on, probed once when it starts: a missing one ends the start
// with one line naming it and the Node version, rather than a reload that silently keeps old code. Node's
// public module.registerHooks and module.clearCache (nodejs/node#61767, not landed) do not cover these yet.
import { probeEntrypoint } from './entrypoint.mjs';
import { probeImport, probeLayout, probeLoader } from './loader.mjs';
import { probeErrorDecoration, probeModuleRecords } from './modules.mjs';
import { MAJOR, unsupported } from './node.mjs';
import { probeServerHandles } from './servers.mjs';

const NEWEST_TESTED_MAJOR = 26;

const PROBES = [probeLoader, probeImport, probeLayout, probeModuleRecords, probeEntrypoint, probeErrorDecoration, probeServerHandles];

/** The error of the first feature this Node lacks (its message is the line to show), or null. */
function missingFeature() {
  for (const probe of PROBES) {
    try {
      probe();
    } catch (error) {
      const message = String(error?.message ?? error);
      return message.startsWith('graphkit: ') ? error : unsupported(probe.name.replace(/^probe/, ''), message);
    }
  }
  return null;
}

/** One warning line for a Node newer than the newest major graphkit was tested on, else null. */
function untestedWarning() {
  if (MAJOR <= NEWEST_TESTED_MAJOR) return null;
  return `graphkit: warning: Node ${process.version} is newer than the newest tested (${NEWEST_TESTED_MAJOR}); `
    + 'if a reload misbehaves, try Node ' + `${NEWEST_TESTED_MAJOR}`;
}

/**
 * Ends the process with the line of a missing feature; prints the untested-major warning. The probe's entry
 * points (host.mjs, attach.mjs, dump.mjs) call it before anything else.
 */
export function requireFeatures() {
  const missing = missingFeature();
  if (missing !== null) {
    process.stderr.write(`${missing.message}\n`);
    process.exit(2);
  }
  const warning = untestedWarning();
  if (warning !== null) process.stderr.write(`${warning}\n`);
}
