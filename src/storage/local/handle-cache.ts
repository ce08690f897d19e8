/**
 * A bound on the file descriptors the local backend keeps open across all its logs (ADR 0015): segments that
 * hold open files are kept in least-recently-used order, and when the total passes the capacity the least
 * recently used segments that are not in use (no read or write in progress, no data waiting for its fsync) are
 * asked to close their files. They reopen them on their next use. The bound is soft: when every segment over the
 * capacity is in use, nothing is closed until one is released.
 */

/** What the cache needs of an entry (a segment). */
export interface CachedFiles {
  /** Number of file descriptors the entry holds now. */
  openFiles(): number;
  /** Whether its files may be closed now (no read or write in progress, nothing waiting for an fsync). */
  evictable(): boolean;
  /** Closes its files (synchronously forgets them; the close itself completes in the background). */
  release(): void;
}

/** Default of `maxOpenFiles` (LocalBackendOptions). */
export const DEFAULT_MAX_OPEN_FILES = 512;

/** LRU of entries holding open files, bounded by their total number of descriptors. */
export class HandleCache {
  readonly capacity: number;
  /** Entry → descriptors counted for it. A Map iterates in insertion order: oldest use first. */
  private readonly entries = new Map<CachedFiles, number>();
  private total = 0;
  private evictions = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Records a use of `entry` (after it opened or used a file): it becomes the most recently used. */
  touch(entry: CachedFiles): void {
    const before = this.entries.get(entry);
    if (before !== undefined) {
      this.entries.delete(entry);
      this.total -= before;
    }
    const fds = entry.openFiles();
    if (fds > 0) {
      this.entries.set(entry, fds);
      this.total += fds;
    }
    if (this.total > this.capacity) this.evict();
  }

  /** Called when an entry became idle: closes idle files again if the total is past the capacity. */
  idle(): void {
    if (this.total > this.capacity) this.evict();
  }

  /** Forgets `entry` (it closed its files itself). */
  forget(entry: CachedFiles): void {
    const before = this.entries.get(entry);
    if (before === undefined) return;
    this.entries.delete(entry);
    this.total -= before;
  }

  /** Descriptors counted now. */
  get openFiles(): number {
    return this.total;
  }

  /** Entries closed by the cache so far. */
  get evicted(): number {
    return this.evictions;
  }

  private evict(): void {
    for (const [entry, fds] of this.entries) {
      if (this.total <= this.capacity) return;
      if (!entry.evictable()) continue;
      this.entries.delete(entry);
      this.total -= fds;
      this.evictions++;
      entry.release();
    }
  }
}
