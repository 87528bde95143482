import type { ChainableContract } from '@adonisjs/lucid/types/querybuilder'

/**
 * `query` narrowed to rows where any of `columns` contains `text`,
 * case-insensitively, with `\ % _` in the text taken literally. The one
 * raw fragment of a search: the query builder's `whereLike` has no ESCAPE
 * clause, and SQLite has no default escape character.
 */
export function whereContains<Q extends ChainableContract>(
  query: Q,
  columns: readonly string[],
  text: string
): Q {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  return query.where((any) => {
    for (const column of columns) any.orWhereRaw(`lower(??) like ? escape '\\'`, [column, pattern])
  })
}
