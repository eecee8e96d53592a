/**
 * A minute is cut into 60 buckets; a count covers the current bucket and the 60 before it. That span is between one
 * window and one window plus a bucket long, so any sliding window of exactly one minute lies inside it: a limit is
 * never exceeded in any minute, at the price of up to one bucket (1 s) of extra memory. Under constant overload a
 * limit of L admits L per 61 buckets, 98.4 % of L per minute. The Redis scripts implement the same rule.
 */
export const SUB_WINDOWS = 60
export const COUNTED_BUCKETS = SUB_WINDOWS + 1

/** Milliseconds until a bucket stops being counted: it leaves when the current bucket is COUNTED_BUCKETS later. */
export function bucketExpiresAtMs(bucket: number, bucketMs: number): number {
  return (bucket + COUNTED_BUCKETS) * bucketMs
}

function slotOf(bucket: number): number {
  return ((bucket % COUNTED_BUCKETS) + COUNTED_BUCKETS) % COUNTED_BUCKETS
}

/** One counter (requests or tokens) over the counted buckets, in a ring; the caller supplies bucket indexes. */
export class SlidingWindow {
  readonly #counts = new Float64Array(COUNTED_BUCKETS)
  /** The newest bucket seen; older ones are cleared lazily when time moves past them. */
  #head = Number.NEGATIVE_INFINITY
  #sum = 0

  #advance(bucket: number): void {
    if (bucket <= this.#head) {
      return
    }
    if (bucket - this.#head >= COUNTED_BUCKETS) {
      this.#counts.fill(0)
      this.#sum = 0
    } else {
      for (let b = this.#head + 1; b <= bucket; b++) {
        const slot = slotOf(b)
        this.#sum -= this.#counts[slot] as number
        this.#counts[slot] = 0
      }
    }
    this.#head = bucket
  }

  /** The count over the buckets still counted at `bucket` (never below 0). */
  used(bucket: number): number {
    this.#advance(bucket)
    return Math.max(this.#sum, 0)
  }

  add(bucket: number, amount: number): void {
    this.#advance(bucket)
    const slot = slotOf(bucket)
    this.#counts[slot] = (this.#counts[slot] as number) + amount
    this.#sum += amount
  }

  /**
   * Moves `delta` into the bucket a reservation went to, as long as it is still counted. Once it is not, only an
   * increase still counts (into the current bucket: those tokens were produced recently); a refund has nothing left
   * to correct.
   */
  adjust(reservedBucket: number, delta: number, bucket: number): void {
    this.#advance(bucket)
    if (bucket - reservedBucket < COUNTED_BUCKETS) {
      this.add(reservedBucket, delta)
    } else if (delta > 0) {
      this.add(bucket, delta)
    }
  }

  /** Milliseconds from `nowMs` until at least `amount` of the count has left the window. */
  msUntilFreed(amount: number, bucket: number, bucketMs: number, nowMs: number): number {
    this.#advance(bucket)
    let freed = 0
    for (let b = bucket - SUB_WINDOWS; b <= bucket; b++) {
      freed += this.#counts[slotOf(b)] as number
      if (freed >= amount) {
        return bucketExpiresAtMs(b, bucketMs) - nowMs
      }
    }
    return bucketExpiresAtMs(bucket, bucketMs) - nowMs
  }

  isEmpty(bucket: number): boolean {
    return this.used(bucket) === 0
  }
}
