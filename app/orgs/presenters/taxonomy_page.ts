import { unhandled } from '#core/services/exhaustive'
import { notFound } from '#core/http/not_found'
import type { Notice } from '#core/http/forms'
import type { UpdateTaxonomyEntryResult } from '#orgs/actions/update_taxonomy_entry'

export type TaxonomyNoun = 'category' | 'subcategory'

/**
 * What the taxonomy page says after a rename, hide or show. These forms
 * repeat on every row of the page, so their outcome goes to the flash
 * rather than to a field shared by all rows. A missing entry is a 404 even
 * when the form was also invalid, hence the validation message comes second.
 */
export function taxonomyUpdateNotice(
  result: UpdateTaxonomyEntryResult,
  noun: TaxonomyNoun,
  validationMessage: string | null
): Notice {
  if (result.kind === 'not_found') throw notFound()
  if (validationMessage) return { level: 'error', message: validationMessage }
  switch (result.kind) {
    case 'updated': {
      const verb = result.changes.includes('hidden')
        ? 'hidden'
        : result.changes.includes('shown')
          ? 'shown again'
          : 'renamed'
      const Noun = noun === 'category' ? 'Category' : 'Subcategory'
      return { level: 'success', message: `${Noun} “${result.entry.name}” ${verb}.` }
    }
    case 'unchanged':
      return { level: 'success', message: 'Nothing to change.' }
    case 'duplicate':
      return { level: 'error', message: `Another ${noun} here already has that name.` }
    default:
      return unhandled(result)
  }
}
