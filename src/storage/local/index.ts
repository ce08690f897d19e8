/**
 * The embedded local storage backend (segment logs + metadata journal). Imported only by
 * `src/server` (which chooses the backend) and tests.
 */
export { openLocalBackend, DEFAULT_LOCAL_BACKEND_OPTIONS, type LocalBackendOptions } from './backend.js';
export { LocalLeases, type LocalLeasesOptions } from './leases.js';
