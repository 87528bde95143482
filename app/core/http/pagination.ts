import vine from '@vinejs/vine'

/**
 * `?page=&per_page=` of every list, web and API (API.md: per_page at most
 * 100). Both are whole numbers within bounds, else the request is refused
 * with a 422 naming the parameter: `?page=1e18` used to reach SQLite as an
 * offset it cannot hold, and `?page=1e20` answered rows labelled page 1e20.
 */
export const MAX_PAGE = 1_000_000
export const MAX_PER_PAGE = 100

const pagination = vine.compile(
  vine.object({
    page: vine.number().withoutDecimals().min(1).max(MAX_PAGE).optional(),
    per_page: vine.number().withoutDecimals().min(1).max(MAX_PER_PAGE).optional(),
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
  return { page: page ?? 1, perPage: perPage ?? options.perPage }
}
