import db from '@adonisjs/lucid/services/db'
import CertificateSubcategory from '#orgs/models/certificate_subcategory'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'
import {
  type AddTaxonomyCategoryInput,
  freeKey,
  hasNamed,
  taxonomyKey,
} from '#orgs/actions/add_taxonomy_category'
import { auditInOrg } from '#orgs/actions/org_audit'

/** The category's input, under the category `categoryId`. */
export interface AddTaxonomySubcategoryInput extends AddTaxonomyCategoryInput {
  categoryId: string
}

export type AddTaxonomySubcategoryResult =
  | { kind: 'created'; subcategory: CertificateSubcategory }
  | { kind: 'not_found' }
  | { kind: 'category_hidden' }
  | { kind: 'duplicate' }

/** An org's own subcategory under a category it can see (global or its own). */
export default class AddTaxonomySubcategory {
  static async handle(input: AddTaxonomySubcategoryInput): Promise<AddTaxonomySubcategoryResult> {
    const category = await OrgTaxonomy.category(input.org, input.categoryId)
    if (!category) return { kind: 'not_found' }

    const categories = await OrgTaxonomy.for(input.org, { includeHidden: true })
    const merged = categories.find((c) => c.id === category.id)
    if (!merged) return { kind: 'not_found' }
    if (merged.isHidden) return { kind: 'category_hidden' }
    if (hasNamed(merged.subcategories, input.name)) return { kind: 'duplicate' }

    return db.transaction(async (trx) => {
      const keys = await trx
        .from('certificate_subcategories')
        .where('category_id', category.id)
        .where((scope) =>
          scope.whereNull('organization_id').orWhere('organization_id', input.org.id)
        )
        .select('key', 'sort_order')
      const sortOrder = keys.reduce((max, row) => Math.max(max, Number(row.sort_order)), 0) + 10
      const subcategory = await CertificateSubcategory.create(
        {
          categoryId: category.id,
          organizationId: input.org.id,
          key: freeKey(taxonomyKey(input.name), new Set(keys.map((row) => row.key))),
          name: input.name.trim(),
          sortOrder,
        },
        { client: trx }
      )
      await auditInOrg(
        trx,
        input,
        'taxonomy.subcategory_created',
        { type: 'certificate_subcategory', id: subcategory.id },
        { key: subcategory.key, name: subcategory.name, category_key: category.key }
      )
      return { kind: 'created' as const, subcategory }
    })
  }
}
