const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const NO_RECORD = '00000000-0000-0000-0000-000000000000'

/**
 * A route id safe to put in a uuid comparison: PostgreSQL rejects malformed
 * uuids with an error (a 500), so they become an id that matches nothing and
 * answer the same 404 as an unknown or another org's id.
 */
export function recordId(id: unknown): string {
  return typeof id === 'string' && UUID.test(id) ? id : NO_RECORD
}
