import type Organization from '#orgs/models/organization'
import OrgTaxonomy, { type TaxonomyCategory } from '#orgs/queries/org_taxonomy'

/** A category and subcategory as a form (ids) or the API (keys) names them; both optional. */
export interface TaxonomyChoice {
  categoryId?: string | null
  subcategoryId?: string | null
  categoryKey?: string | null
  subcategoryKey?: string | null
}

export type TaxonomyProblem =
  | { kind: 'unknown_category'; value: string }
  | { kind: 'unknown_subcategory'; value: string }
  | { kind: 'subcategory_without_category' }

export type ResolvedTaxonomy =
  { kind: 'ok'; categoryId: string | null; subcategoryId: string | null } | TaxonomyProblem

/**
 * Resolves a choice against the categories this org sees (its industry's,
 * minus those it hid, plus its own), so another org's category id, a hidden
 * one or a subcategory of a different category is refused by name.
 */
export async function resolveTaxonomy(
  org: Organization,
  choice: TaxonomyChoice,
  visible?: TaxonomyCategory[]
): Promise<ResolvedTaxonomy> {
  const categoryValue = choice.categoryId ?? choice.categoryKey ?? null
  const subcategoryValue = choice.subcategoryId ?? choice.subcategoryKey ?? null
  if (!categoryValue) {
    return subcategoryValue
      ? { kind: 'subcategory_without_category' }
      : { kind: 'ok', categoryId: null, subcategoryId: null }
  }
  const categories = visible ?? (await OrgTaxonomy.for(org))
  const category = categories.find((entry) =>
    choice.categoryId ? entry.id === choice.categoryId : entry.key === choice.categoryKey
  )
  if (!category) return { kind: 'unknown_category', value: categoryValue }
  if (!subcategoryValue) return { kind: 'ok', categoryId: category.id, subcategoryId: null }
  const subcategory = category.subcategories.find((entry) =>
    choice.subcategoryId ? entry.id === choice.subcategoryId : entry.key === choice.subcategoryKey
  )
  if (!subcategory) return { kind: 'unknown_subcategory', value: subcategoryValue }
  return { kind: 'ok', categoryId: category.id, subcategoryId: subcategory.id }
}

export function taxonomyProblemMessage(problem: TaxonomyProblem) {
  switch (problem.kind) {
    case 'unknown_category':
      return `There is no category “${problem.value}” in this organization.`
    case 'unknown_subcategory':
      return `There is no subcategory “${problem.value}” under the chosen category.`
    case 'subcategory_without_category':
      return 'Choose a category for the subcategory.'
  }
}
