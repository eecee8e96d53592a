/**
 * The parts of one SSE line that arrives over several chunks and that an observer reads: its first bytes (which
 * field it is, an event's name) and its last bytes (where usage sits). The middle of a long line is never kept,
 * so a watched line costs at most HEAD_BYTES + TAIL_BYTES however long it is; a short line is kept whole.
 */

export const HEAD_BYTES = 64
export const TAIL_BYTES = 8 * 1024

const EMPTY = new Uint8Array(0)

export class LineCapture {
  #head: Uint8Array = EMPTY
  #tail: Uint8Array = EMPTY

  get isEmpty(): boolean {
    return this.#head.byteLength === 0
  }

  /** Up to the first HEAD_BYTES of the line. */
  get head(): Uint8Array {
    return this.#head
  }

  /** Up to the last TAIL_BYTES of the line. */
  get tail(): Uint8Array {
    return this.#tail
  }

  /** Adds the next piece of the line (copied: the chunk it came from goes on to the client). */
  append(piece: Uint8Array): void {
    if (piece.byteLength === 0) {
      return
    }
    if (this.#head.byteLength < HEAD_BYTES) {
      this.#head = concat(this.#head, piece.subarray(0, HEAD_BYTES - this.#head.byteLength))
    }
    const keep = Math.min(
      this.#tail.byteLength,
      TAIL_BYTES - Math.min(piece.byteLength, TAIL_BYTES),
    )
    this.#tail = concat(
      this.#tail.subarray(this.#tail.byteLength - keep),
      piece.subarray(Math.max(0, piece.byteLength - TAIL_BYTES)),
    )
  }

  clear(): void {
    this.#head = EMPTY
    this.#tail = EMPTY
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength)
  out.set(a, 0)
  out.set(b, a.byteLength)
  return out
}
