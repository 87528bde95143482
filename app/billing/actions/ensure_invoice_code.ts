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
      const give = (client: TransactionClientContract) =>
        client
          .from('organizations')
          .where('id', org.id)
          .whereNull('invoice_code')
          .update({ invoice_code: code })
      if (trx.dialect.name !== 'postgres') {
        // SQLite: this transaction holds the only write lock, so nobody can take the code meanwhile.
        await give(trx)
      } else {
        try {
          await trx.transaction((savepoint) => give(savepoint))
        } catch (error) {
          if (!isUniqueViolation(error)) throw error
        }
      }
      retry.push(org)
    }
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
