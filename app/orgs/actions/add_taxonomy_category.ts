import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { randomBytes } from 'node:crypto'
import type { AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import CertificateCategory from '#orgs/models/certificate_category'
import OrgTaxonomy, { type TaxonomyEntry } from '#orgs/queries/org_taxonomy'
import { auditInOrg } from '#orgs/actions/org_audit'

export interface AddTaxonomyCategoryInput {
  org: Organization
  name: string
  actorUserId: string
  origin?: AuditInput['origin']
}

export type AddTaxonomyCategoryResult =
  | { kind: 'created'; category: CertificateCategory }
  | { kind: 'no_industry' }
  | { kind: 'duplicate' }

/** Data key for a taxonomy name: lowercase ASCII words joined by underscores, like the global keys. */
export function taxonomyKey(name: string) {
  const key = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 60)
    .replace(/_+$/g, '')
  return key || `custom_${randomBytes(3).toString('hex')}`
}

/** First free key among `taken`: `key`, `key_2`, `key_3`… */
export function freeKey(key: string, taken: Set<string>) {
  if (!taken.has(key)) return key
  for (let n = 2; ; n++) {
    const candidate = `${key.slice(0, 70)}_${n}`
    if (!taken.has(candidate)) return candidate
  }
}

/**
 * The columns of a new own entry among its siblings (`parent`: the table and
 * the column naming their parent): its key, unique per org and parent and
 * never shadowing a global key, and a place after the last sibling.
 */
export async function ownEntry(
  trx: TransactionClientContract,
  input: { org: Organization; name: string },
  parent: { table: string } & Record<string, string>
) {
  const { table, ...scope } = parent
  const siblings = await trx
    .from(table)
    .where(scope)
    .where((own) => own.whereNull('organization_id').orWhere('organization_id', input.org.id))
    .select('key', 'sort_order')
  return {
    organizationId: input.org.id,
    key: freeKey(taxonomyKey(input.name), new Set(siblings.map((row) => row.key))),
    name: input.name.trim(),
    sortOrder: siblings.reduce((max, row) => Math.max(max, Number(row.sort_order)), 0) + 10,
  }
}

/** Same name as a sibling (compared as the org sees it, hidden ones included). */
export function hasNamed(entries: TaxonomyEntry[], name: string, exceptId?: string) {
  const wanted = name.trim().toLocaleLowerCase()
  return entries.some((entry) => entry.id !== exceptId && entry.name.toLocaleLowerCase() === wanted)
}

/** An org's own category in its industry, listed after the global ones. */
export default class AddTaxonomyCategory {
  static async handle(input: AddTaxonomyCategoryInput): Promise<AddTaxonomyCategoryResult> {
    const industryId = input.org.industryId
    if (!industryId) return { kind: 'no_industry' }

    const existing = await OrgTaxonomy.for(input.org, { includeHidden: true })
    if (hasNamed(existing, input.name)) return { kind: 'duplicate' }

    return db.transaction(async (trx) => {
      const category = await CertificateCategory.create(
        {
          industryId,
          ...(await ownEntry(trx, input, {
            table: 'certificate_categories',
            industry_id: industryId,
          })),
        },
        { client: trx }
      )
      await auditInOrg(
        trx,
        input,
        'taxonomy.category_created',
        { type: 'certificate_category', id: category.id },
        { key: category.key, name: category.name }
      )
      return { kind: 'created' as const, category }
    })
  }
}
