import { videoError } from '../errors.js';

/** VersionMismatchException unless `given` is the resource's current version (the update and delete operations). */
export function checkVersion(kind: 'stream' | 'channel', current: string, given: string | undefined): void {
  if (given !== undefined && given !== current) {
    // TODO(#11): AWS's text is not known.
    throw videoError('VersionMismatchException', `The ${kind} version ${given} is not the current version.`);
  }
}
