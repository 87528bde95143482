import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'
import { invoiceCodeFromSlug } from '#billing/services/invoice_numbers'

/**
 * Gives each org without one its invoice code: the first free candidate
 * from its slug (`invoiceCodeFromSlug`), claimed with a conditional update
 * in a savepoint, so two orgs racing for the same code end with one each
 * (the loser's unique violation rolls back only its savepoint and it tries
 * the next) and a code once given never changes. Sets `invoiceCode` on
 * each org given.
 */
export async function ensureInvoiceCodes(trx: TransactionClientContract, orgs: Organization[]) {
  let waiting = orgs
  for (let attempt = 0; attempt < 5 && waiting.length > 0; attempt++) {
    const current = await trx
      .from('organizations')
      .whereIn(
        'id',
        waiting.map((org) => org.id)
      )
      .select('id', 'invoice_code')
    const given = new Map(
      current.map((row) => [row.id as string, row.invoice_code as string | null])
    )
    // Every candidate starts with the slug's first letter or digit: only those codes can be in the way.
    const firsts = [...new Set(waiting.map(firstOf))]
    const rows = await trx
      .from('organizations')
      .whereNotNull('invoice_code')
      .where((query) => {
        for (const first of firsts) query.orWhereLike('invoice_code', `${first}%`)
      })
      .select('invoice_code')
    const taken = new Set(rows.map((row) => row.invoice_code as string))
    const retry: Organization[] = []
    const chosen: { org: Organization; code: string }[] = []
    for (const org of waiting) {
      const existing = given.get(org.id)
      if (existing) {
        org.invoiceCode = existing
        continue
      }
      const code = invoiceCodeFromSlug(org.slug, (candidate) => taken.has(candidate))
      if (!code) {
        throw new Error(
          `no free invoice code for “${org.slug}”: set organizations.invoice_code by hand (1–5 letters or digits)`
        )
      }
      taken.add(code)
      chosen.push({ org, code })
      retry.push(org)
    }
    await giveCodes(trx, chosen)
    // Read back: the code this run gave, or the one another run gave first.
    waiting = retry
    if (retry.length === 0) return
    const after = await trx
      .from('organizations')
      .whereIn(
        'id',
        retry.map((org) => org.id)
      )
      .select('id', 'invoice_code')
    const settled = new Map(
      after.map((row) => [row.id as string, row.invoice_code as string | null])
    )
    waiting = []
    for (const org of retry) {
      const code = settled.get(org.id)
      if (code) org.invoiceCode = code
      else waiting.push(org)
    }
  }
  if (waiting.length > 0) {
    throw new Error(`could not give “${waiting[0].slug}” an invoice code after 5 attempts`)
  }
}

/**
 * One `UPDATE … FROM (VALUES …)` for all (on both engines), in a savepoint on
 * PostgreSQL: when another run took one of the codes meanwhile, the
 * savepoint rolls back and each is given alone, the losers left for the
 * next round. SQLite: this transaction holds the only write lock, so nobody
 * can take a code meanwhile.
 */
async function giveCodes(
  trx: TransactionClientContract,
  chosen: { org: Organization; code: string }[]
) {
  if (chosen.length === 0) return
  const pg = trx.dialect.name === 'postgres'
  const all = (client: TransactionClientContract, rows: typeof chosen) => {
    // SQLite names a VALUES list's columns column1, column2 and takes no column aliases.
    const values = pg
      ? `(VALUES ${rows.map(() => '(?::uuid, ?)').join(', ')}) AS v(id, code)`
      : `(SELECT column1 AS id, column2 AS code FROM (VALUES ${rows.map(() => '(?, ?)').join(', ')})) AS v`
    return client.rawQuery(
      `UPDATE organizations SET invoice_code = v.code FROM ${values}
       WHERE organizations.id = v.id AND organizations.invoice_code IS NULL`,
      rows.flatMap(({ org, code }) => [org.id, code])
    )
  }
  if (!pg) {
    await all(trx, chosen)
    return
  }
  try {
    await trx.transaction((savepoint) => all(savepoint, chosen))
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
    for (const one of chosen) {
      try {
        await trx.transaction((savepoint) => all(savepoint, [one]))
      } catch (failure) {
        if (!isUniqueViolation(failure)) throw failure
      }
    }
  }
}

function firstOf(org: Organization) {
  return (
    org.slug
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .slice(0, 1) || 'O'
  )
}

function isUniqueViolation(error: unknown) {
  const code = (error as { code?: string }).code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE'
}
