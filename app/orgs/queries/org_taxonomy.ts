import db from '@adonisjs/lucid/services/db'
import type Organization from '#orgs/models/organization'
import CertificateCategory from '#orgs/models/certificate_category'
import CertificateSubcategory from '#orgs/models/certificate_subcategory'
import OrganizationTaxonomyOverride from '#orgs/models/organization_taxonomy_override'
import { recordId } from '#orgs/queries/record_id'

export interface TaxonomyEntry {
  id: string
  key: string
  /** The name this org sees: its rename of a global entry, or the entry's own name. */
  name: string
  /** The global name under an org's rename; equals `name` otherwise. */
  originalName: string
  isOwn: boolean
  isHidden: boolean
  sortOrder: number
}

export interface TaxonomyCategory extends TaxonomyEntry {
  subcategories: TaxonomyEntry[]
}

type Row = {
  id: string
  key: string
  name: string
  organization_id: string | null
  sort_order: number
}

function byOrder(a: TaxonomyEntry, b: TaxonomyEntry) {
  if (a.isOwn !== b.isOwn) return a.isOwn ? 1 : -1
  return a.sortOrder - b.sortOrder || a.name.localeCompare(b.name) || a.id.localeCompare(b.id)
}

/**
 * An org's certificate categories for its industry: global rows merged with
 * the org's overrides (rename, hide) plus the org's own rows. Global rows are
 * never changed by an org; hiding an own row also lives in the overrides.
 */
export default class OrgTaxonomy {
  static async for(
    org: Organization,
    options: { includeHidden?: boolean } = {}
  ): Promise<TaxonomyCategory[]> {
    if (!org.industryId) return []

    const categories: Row[] = await db
      .from('certificate_categories')
      .where('industry_id', org.industryId)
      .where((scope) => scope.whereNull('organization_id').orWhere('organization_id', org.id))
      .select('id', 'key', 'name', 'organization_id', 'sort_order')
    if (categories.length === 0) return []

    const subcategories: (Row & { category_id: string })[] = await db
      .from('certificate_subcategories')
      .whereIn(
        'category_id',
        categories.map((c) => c.id)
      )
      .where((scope) => scope.whereNull('organization_id').orWhere('organization_id', org.id))
      .select('id', 'key', 'name', 'organization_id', 'sort_order', 'category_id')

    const overrides = await OrganizationTaxonomyOverride.query().where('organization_id', org.id)
    const overrideOf = new Map(overrides.map((o) => [`${o.entityType}:${o.entityId}`, o]))

    const entry = (type: 'category' | 'subcategory', row: Row): TaxonomyEntry => {
      const override = overrideOf.get(`${type}:${row.id}`)
      return {
        id: row.id,
        key: row.key,
        name: override?.name ?? row.name,
        originalName: row.name,
        isOwn: row.organization_id !== null,
        isHidden: override?.isHidden ?? false,
        sortOrder: Number(row.sort_order),
      }
    }

    const result = categories.map((row) => ({
      ...entry('category', row),
      subcategories: subcategories
        .filter((sub) => sub.category_id === row.id)
        .map((sub) => entry('subcategory', sub))
        .filter((sub) => options.includeHidden || !sub.isHidden)
        .sort(byOrder),
    }))
    return result.filter((category) => options.includeHidden || !category.isHidden).sort(byOrder)
  }

  /** A category this org may change: a global one of its industry or its own; null for anything else. */
  static async category(org: Organization, id: unknown) {
    if (!org.industryId) return null
    return CertificateCategory.query()
      .where('id', recordId(id))
      .where('industry_id', org.industryId)
      .where((scope) => scope.whereNull('organization_id').orWhere('organization_id', org.id))
      .first()
  }

  /** A subcategory this org may change: global under a category of its industry, or its own. */
  static async subcategory(org: Organization, id: unknown) {
    const subcategory = await CertificateSubcategory.query()
      .where('id', recordId(id))
      .where((scope) => scope.whereNull('organization_id').orWhere('organization_id', org.id))
      .first()
    if (!subcategory) return null
    return (await this.category(org, subcategory.categoryId)) ? subcategory : null
  }
}
