/** The fragment archive: stored fragments per stream, their index, numbers and retention. */
export {
  CLUSTER_HEADER_BYTES,
  FragmentArchive,
  type FragmentEntry,
  type NewFragment,
  type StoredFragment,
} from './fragment-archive.js';
export { FRAGMENT_NUMBER_DIGITS, fragmentNumber, fragmentSeq } from './fragment-number.js';
