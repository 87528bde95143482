import db from '@adonisjs/lucid/services/db'
import CertificateSubcategory from '#orgs/models/certificate_subcategory'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'
import {
  type AddTaxonomyCategoryInput,
  hasNamed,
  ownEntry,
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
      const subcategory = await CertificateSubcategory.create(
        {
          categoryId: category.id,
          ...(await ownEntry(trx, input, {
            table: 'certificate_subcategories',
            category_id: category.id,
          })),
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
