/** The list envelope of every /v2 collection (GPUStack's shape, so its users' scripts keep working). */
export interface Pagination {
  page: number
  perPage: number
  total: number
  totalPage: number
}

export interface Page<T> {
  items: T[]
  pagination: Pagination
}

export function toPage<T>(
  items: T[],
  request: { page: number; perPage: number },
  total: number,
): Page<T> {
  return {
    items,
    pagination: {
      page: request.page,
      perPage: request.perPage,
      total,
      totalPage: Math.ceil(total / request.perPage),
    },
  }
}
