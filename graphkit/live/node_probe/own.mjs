// The probe's own modules: never the app's, whatever they load or start.
const PROBE_DIR = new URL('./', import.meta.url).href;

/** @param {unknown} url */
export function isProbeUrl(url) {
  return typeof url === 'string' && url.startsWith(PROBE_DIR);
}
