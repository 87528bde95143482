import { column } from '@adonisjs/lucid/orm'

/**
 * SQLite returns 0/1 for booleans and text for JSON; PostgreSQL returns real
 * booleans and parsed JSON. These column options give both engines one shape.
 */
export const booleanColumn = (options: Parameters<typeof column>[0] = {}) =>
  column({
    ...options,
    consume: (value: unknown) => (value === null || value === undefined ? value : Boolean(value)),
  })

export const jsonColumn = (options: Parameters<typeof column>[0] = {}) =>
  column({
    ...options,
    prepare: (value: unknown) =>
      value === null || value === undefined ? null : JSON.stringify(value),
    consume: (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value),
  })

/** bigint comes back as text from PostgreSQL (and may from SQLite's driver): a number either way (paise, counts). */
export const bigIntColumn = (options: Parameters<typeof column>[0] = {}) =>
  column({
    ...options,
    consume: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
  })
