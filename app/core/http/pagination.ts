import vine from '@vinejs/vine'

/**
 * `?page=&per_page=` of every list, web and API. Both are whole numbers
 * within bounds, else the request is refused with a 422 naming the
 * parameter: `?page=1e18` used to reach SQLite as an offset it cannot hold,
 * and `?page=1e20` answered rows labelled page 1e20. A per_page above 100
 * is served 100 (API.md: "max 100"; the contract always clamped it, and
 * `meta.per_page` says so).
 */
export const MAX_PAGE = 1_000_000
export const MAX_PER_PAGE = 100
const LARGEST_PER_PAGE_ASKED = 1_000_000

const pagination = vine.compile(
  vine.object({
    page: vine.number().withoutDecimals().min(1).max(MAX_PAGE).optional(),
    per_page: vine.number().withoutDecimals().min(1).max(LARGEST_PER_PAGE_ASKED).optional(),
  })
)

export interface Pagination {
  page: number
  perPage: number
}

/** The page a query string asks for (1 when none) and its size (`perPage` when none). */
export async function paginationOf(
  query: Record<string, unknown>,
  options: { perPage: number }
): Promise<Pagination> {
  const given = (value: unknown) => (value === '' || value === null ? undefined : value)
  const { page, per_page: perPage } = await pagination.validate({
    page: given(query.page),
    per_page: given(query.per_page),
  })
  return { page: page ?? 1, perPage: Math.min(perPage ?? options.perPage, MAX_PER_PAGE) }
}
