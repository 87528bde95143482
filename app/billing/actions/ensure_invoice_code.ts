import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'
import { invoiceCodeFromSlug } from '#billing/services/invoice_numbers'

/**
 * The org's invoice code, given now if it has none: the first free
 * candidate from its slug (`invoiceCodeFromSlug`), claimed with a
 * conditional update in a savepoint, so two orgs racing for the same code
 * end with one each (the loser's unique violation rolls back only the
 * savepoint and it tries the next) and a code once given never changes.
 */
export async function ensureInvoiceCode(trx: TransactionClientContract, org: Organization) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await trx
      .from('organizations')
      .where('id', org.id)
      .select('invoice_code')
      .first()
    if (current?.invoice_code) {
      org.invoiceCode = current.invoice_code
      return current.invoice_code as string
    }
    // Every candidate starts with the slug's first letter or digit: only those codes can be in the way.
    const first =
      org.slug
        .toUpperCase()
        .replace(/[^A-Z0-9]/g, '')
        .slice(0, 1) || 'O'
    const rows = await trx
      .from('organizations')
      .whereLike('invoice_code', `${first}%`)
      .select('invoice_code')
    const taken = new Set(rows.map((row) => row.invoice_code as string))
    const code = invoiceCodeFromSlug(org.slug, (candidate) => taken.has(candidate))
    if (!code) {
      throw new Error(
        `no free invoice code for “${org.slug}”: set organizations.invoice_code by hand (1–5 letters or digits)`
      )
    }
    try {
      await trx.transaction(async (savepoint) => {
        await savepoint
          .from('organizations')
          .where('id', org.id)
          .whereNull('invoice_code')
          .update({ invoice_code: code })
      })
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
    }
  }
  throw new Error(`could not give “${org.slug}” an invoice code after 5 attempts`)
}

function isUniqueViolation(error: unknown) {
  const code = (error as { code?: string }).code
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE'
}
