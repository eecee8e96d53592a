/**
 * Ids of cache_events rows that may still appear below the highest id read. A row takes its id from the sequence
 * when it is inserted but becomes visible when its transaction commits, so a transaction that took id 5 and
 * commits after the one that took id 6 leaves 5 missing from a read that saw 6. Every id skipped that way is read
 * again with each later read until it shows up, or until `retentionMs` has passed (a rolled-back transaction's id
 * never does). Bounded: at most `max` ids, the highest kept.
 */
export class IdGaps {
  /** Missing id → clock time it was first missed. */
  readonly #missedAt = new Map<number, number>()
  readonly #max: number
  readonly #retentionMs: number

  constructor(options: { max: number; retentionMs: number }) {
    this.#max = options.max
    this.#retentionMs = options.retentionMs
  }

  /** The ids to read again now; those missing for longer than the retention are given up first. */
  ids(now: number): number[] {
    for (const [id, at] of this.#missedAt) {
      if (now - at > this.#retentionMs) {
        this.#missedAt.delete(id)
      }
    }
    return [...this.#missedAt.keys()]
  }

  has(id: number): boolean {
    return this.#missedAt.has(id)
  }

  /**
   * Records one read: `readIds` (ascending) are settled, and every id between `lastId` and the next id read, or
   * between two ids read, is missing.
   */
  note(lastId: number, readIds: readonly number[], now: number): void {
    let previous = lastId
    for (const id of readIds) {
      this.#missedAt.delete(id)
      if (id > previous) {
        for (let missing = Math.max(previous + 1, id - this.#max); missing < id; missing += 1) {
          this.#missedAt.set(missing, now)
        }
        previous = id
      }
    }
    if (this.#missedAt.size > this.#max) {
      const ascending = [...this.#missedAt.keys()].sort((a, b) => a - b)
      for (const id of ascending.slice(0, ascending.length - this.#max)) {
        this.#missedAt.delete(id)
      }
    }
  }

  size(): number {
    return this.#missedAt.size
  }
}
