import type { FieldMessage } from '#core/http/forms'
import { type TaxonomyProblem, taxonomyProblemMessage } from '#templates/queries/template_taxonomy'
import { type SourceProblem, sourceProblemMessage } from '#templates/services/source_upload'

/** A refused upload shown under its field: the page number, or the file. */
export function sourceProblemField(problem: SourceProblem): FieldMessage {
  return {
    field: problem.kind === 'page_out_of_range' ? 'page' : 'file',
    message: sourceProblemMessage(problem),
  }
}

/** A refused category choice shown under the select it came from. */
export function taxonomyProblemField(problem: TaxonomyProblem): FieldMessage {
  return {
    field: problem.kind === 'unknown_subcategory' ? 'subcategory_id' : 'category_id',
    message: taxonomyProblemMessage(problem),
  }
}

const TAXONOMY_PROBLEMS: ReadonlySet<string> = new Set<TaxonomyProblem['kind']>([
  'unknown_category',
  'unknown_subcategory',
  'subcategory_without_category',
])

/** Any refusal of a template form (its file or its category), under the field it concerns. */
export function templateFormProblemField(problem: SourceProblem | TaxonomyProblem): FieldMessage {
  return TAXONOMY_PROBLEMS.has(problem.kind)
    ? taxonomyProblemField(problem as TaxonomyProblem)
    : sourceProblemField(problem as SourceProblem)
}
